import type { RuntimesConfig } from "../../profile/schema/inference.js";
import { OLLAMA_ZSTD_FROM, compareVersions, llamaCppRecipe, runtimeCatalog } from "../../profile/runtimeCatalog.js";

/**
 * What each runtime step downloads and builds, from the profile's pins and
 * profiles/catalog/runtimes.yaml: the catalog's URL and sha256 for a version it lists, the
 * profile's own (required by the schema) for anything else.
 */

/** Ollama's Linux archive for a version the catalog does not list, named as that release names it. */
function ollamaDefaultUrl(version: string): string {
  const zstd = compareVersions(version, OLLAMA_ZSTD_FROM) >= 0;
  return `https://github.com/ollama/ollama/releases/download/v${version}/ollama-linux-amd64.${zstd ? "tar.zst" : "tgz"}`;
}

/**
 * A pinned download: the profile's URL with its sha256, else the catalog's entry (the
 * profile's sha256 wins when it gives one), else upstream's usual URL for the version with the
 * profile's sha256 (the schema requires it there).
 */
function download(pin: { url?: string | undefined; sha256?: string | undefined }, listed: { url: string; sha256: string } | undefined, upstreamUrl: () => string): { url: string; sha256: string } {
  if (pin.url !== undefined) return { url: pin.url, sha256: pin.sha256 ?? "" };
  if (listed) return { url: listed.url, sha256: pin.sha256 ?? listed.sha256 };
  return { url: upstreamUrl(), sha256: pin.sha256 ?? "" };
}

export function ollamaRelease(o: RuntimesConfig["ollama"]): { url: string; sha256: string } {
  return download(o, runtimeCatalog().ollama[o.version], () => ollamaDefaultUrl(o.version));
}

interface LlamaCppBuild {
  readonly url: string;
  readonly sha256: string;
  /** apt packages the build needs (OpenSSL's headers from b7736, libcurl's before). */
  readonly packages: readonly string[];
  readonly cmakeFlags: readonly string[];
  readonly cudaArchitectures: string;
}

export function llamaCppBuild(l: RuntimesConfig["llamaCpp"]): LlamaCppBuild {
  const recipe = llamaCppRecipe(l.version);
  const source = download(l, runtimeCatalog().llamaCpp[l.version], () => `https://github.com/ggml-org/llama.cpp/archive/refs/tags/${l.version}.tar.gz`);
  return { ...source, packages: recipe.packages, cmakeFlags: recipe.cmakeFlags, cudaArchitectures: l.cudaArchitectures ?? recipe.cudaArchitectures };
}

/**
 * The vLLM build for the profile's CUDA: `0.31.0`, or `0.31.0+cu129` for a variant. Each build
 * has its own venv (/opt/aiws/vllm/<build>), so a CUDA change installs the other build beside
 * the running one and the service moves to it.
 */
export function vllmBuild(v: RuntimesConfig["vllm"], cudaVersion: string, catalog = runtimeCatalog()): string {
  return `${v.version}${catalog.vllm[v.version]?.variants[cudaVersion]?.local ?? ""}`;
}

/**
 * The pip requirement and the extra index for the vLLM build that matches the profile's CUDA.
 * `===` for a build without a local suffix: `==0.31.0` would also match `0.31.0+cu129`, which
 * pip prefers when an index carries both (PEP 440 ignores the local part of a plain `==`).
 */
export function vllmRequirement(v: RuntimesConfig["vllm"], cudaVersion: string, catalog = runtimeCatalog()): { requirement: string; extraIndex: string } {
  const variant = catalog.vllm[v.version]?.variants[cudaVersion];
  const build = vllmBuild(v, cudaVersion, catalog);
  return { requirement: variant?.local ? `vllm==${build}` : `vllm===${build}`, extraIndex: variant?.index ?? "" };
}
