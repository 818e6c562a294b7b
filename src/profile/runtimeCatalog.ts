import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

/**
 * profiles/catalog/runtimes.yaml: the driver branches, CUDA releases and runtime versions aiws
 * knows, with what each needs. A profile names versions; the catalog supplies the download,
 * its sha256 and the build recipe, and the profile rules (src/profile/schema/versionRules.ts)
 * refuse combinations that cannot work (a CUDA the driver cannot run, a runtime built for
 * another CUDA than the profile installs).
 *
 * The file ships with aiws and is read once, synchronously: the schema's defaults come from it.
 */
export const RUNTIME_CATALOG_FILE = fileURLToPath(new URL("../../profiles/catalog/runtimes.yaml", import.meta.url));

const day = z.union([z.date(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]).transform((d) => (typeof d === "string" ? d : d.toISOString().slice(0, 10)));
const month = z.union([z.date(), z.string().regex(/^\d{4}-\d{2}$/)]).transform((d) => (typeof d === "string" ? d : d.toISOString().slice(0, 7)));
const cudaRelease = z.string().regex(/^\d{2}\.\d$/, "a CUDA release is major.minor, like 13.0");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits, as sha256sum prints them");
/** Where an entry's facts come from, and when they were last checked against it. */
const provenance = { checked: day, source: z.string().min(8), note: z.string().optional(), released: day.optional() };
const https = z.string().regex(/^https:\/\/[^\s'"$`\\]+$/, "an https:// URL");

const driverBranchSchema = z.object({ type: z.enum(["long-term", "production", "new-feature"]), endOfLife: month.optional(), ...provenance }).strict();
const cudaSchema = z.object({ minDriver: z.string().regex(/^\d{3}\.\d+(\.\d+)?$/), ...provenance }).strict();
const vllmSchema = z
  .object({
    /** CUDA release -> how that build is published: `local` version suffix and extra pip `index` (none: PyPI's default wheel). */
    variants: z.record(cudaRelease, z.object({ local: z.string().regex(/^\+cu\d+$/).optional(), index: https.optional() }).strict()),
    ...provenance,
  })
  .strict();
const ollamaSchema = z.object({ url: https, sha256, ...provenance }).strict();
const llamaCppSchema = z
  .object({
    url: https,
    sha256,
    packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/)).min(1),
    cmakeFlags: z.array(z.string().regex(/^-D[A-Z0-9_]+=[A-Za-z0-9_.]+$/)),
    cudaArchitectures: z.string().regex(/^[0-9;a-z-]+$/),
    minCuda: cudaRelease,
    ...provenance,
  })
  .strict();

const changeSchema = z.object({ at: z.string(), what: z.string().min(8), handled: z.string().min(8) }).strict();

export const runtimeCatalogSchema = z
  .object({
    defaults: z.object({ driverBranch: z.string().regex(/^\d{3}$/), cuda: cudaRelease, vllm: z.string(), ollama: z.string(), llamaCpp: z.string() }).strict(),
    driverBranches: z.record(z.string().regex(/^\d{3}$/), driverBranchSchema),
    cuda: z.record(cudaRelease, cudaSchema),
    vllm: z.record(z.string().regex(/^\d+\.\d+\.\d+$/), vllmSchema),
    ollama: z.record(z.string().regex(/^\d+\.\d+\.\d+$/), ollamaSchema),
    llamaCpp: z.record(z.string().regex(/^b\d+$/), llamaCppSchema),
    /** What changes at a release that a pin bump walks into, and what aiws does about it. */
    changes: z.object({ vllm: z.array(changeSchema), ollama: z.array(changeSchema), llamaCpp: z.array(changeSchema), driverBranches: z.array(changeSchema), cuda: z.array(changeSchema) }).strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const d = c.defaults;
    if (!c.driverBranches[d.driverBranch]) issue(["defaults", "driverBranch"], `${d.driverBranch} has no entry under driverBranches`);
    if (!c.cuda[d.cuda]) issue(["defaults", "cuda"], `${d.cuda} has no entry under cuda`);
    for (const r of ["vllm", "ollama", "llamaCpp"] as const) if (!c[r][d[r]]) issue(["defaults", r], `${d[r]} has no entry under ${r}`);
    for (const [v, e] of Object.entries(c.vllm)) for (const cu of Object.keys(e.variants)) if (!c.cuda[cu]) issue(["vllm", v, "variants", cu], `CUDA ${cu} has no entry under cuda`);
    for (const [v, e] of Object.entries(c.llamaCpp)) if (!c.cuda[e.minCuda]) issue(["llamaCpp", v, "minCuda"], `CUDA ${e.minCuda} has no entry under cuda`);
    // The defaults must work together, or every profile that leaves them would be refused.
    const branchCuda = cudaMinBranch(c.cuda[d.cuda]?.minDriver ?? "0");
    if (Number(d.driverBranch) < branchCuda) issue(["defaults", "cuda"], `CUDA ${d.cuda} needs driver branch ${branchCuda}; the default branch is ${d.driverBranch}`);
    if (c.vllm[d.vllm] && !c.vllm[d.vllm]!.variants[d.cuda]) issue(["defaults", "vllm"], `vLLM ${d.vllm} has no build for the default CUDA ${d.cuda}`);
  });

export type RuntimeCatalog = z.infer<typeof runtimeCatalogSchema>;
type LlamaCppRelease = RuntimeCatalog["llamaCpp"][string];

/** The branch a driver version belongs to: 580.65.06 -> 580. */
export function cudaMinBranch(minDriver: string): number {
  return Number(minDriver.split(".")[0]);
}

/** The CUDA releases a driver branch runs (each one's minimum driver is in that branch or older), oldest first. */
export function cudaReleasesFor(branch: string, catalog: RuntimeCatalog): string[] {
  return versionsOf(catalog.cuda).filter((c) => cudaMinBranch(catalog.cuda[c]!.minDriver) <= Number(branch));
}

/** Compares release versions part by part: 0.9.2 < 0.14.0, b999 < b6729, 12.9 < 13.0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^b/, "").split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A map's keys, oldest version first. */
export function versionsOf(entries: Record<string, unknown>): string[] {
  return Object.keys(entries).sort(compareVersions);
}

let cached: RuntimeCatalog | undefined;

/**
 * The shipped catalog, validated. It is part of aiws, not of a profile: an invalid file is a
 * bug in this repository, so it throws with every problem listed (a unit test keeps it valid).
 */
export function runtimeCatalog(file = RUNTIME_CATALOG_FILE): RuntimeCatalog {
  if (file === RUNTIME_CATALOG_FILE && cached) return cached;
  const parsed = runtimeCatalogSchema.safeParse(parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`${file} is not a valid runtime catalog:\n${lines.join("\n")}`);
  }
  if (file === RUNTIME_CATALOG_FILE) cached = parsed.data;
  return parsed.data;
}

/**
 * The catalog's llama.cpp recipe for a tag: its own entry, or for a tag the catalog does not
 * list (a profile with its own url and sha256) the entry of the newest listed tag not newer
 * than it within the same build era (libcurl before LLAMACPP_OPENSSL_FROM, OpenSSL from it:
 * the dependency change that matters), else the oldest listed tag of that era.
 */
export function llamaCppRecipe(tag: string, catalog = runtimeCatalog()): LlamaCppRelease {
  if (catalog.llamaCpp[tag]) return catalog.llamaCpp[tag]!;
  const era = (t: string) => compareVersions(t, LLAMACPP_OPENSSL_FROM) >= 0;
  const all = versionsOf(catalog.llamaCpp);
  const same = all.filter((t) => era(t) === era(tag));
  const tags = same.length > 0 ? same : all;
  const at = tags.filter((t) => compareVersions(t, tag) <= 0).pop() ?? tags[0]!;
  return catalog.llamaCpp[at]!;
}

/** Ollama's Linux asset changed from .tgz to .tar.zst in this release (ollama/ollama#13651). */
export const OLLAMA_ZSTD_FROM = "0.14.0";
/** llama.cpp dropped libcurl for OpenSSL in this tag (ggml-org/llama.cpp#18828). */
const LLAMACPP_OPENSSL_FROM = "b7736";
