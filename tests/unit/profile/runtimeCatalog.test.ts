import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { tryLoadProfile } from "../../../src/profile/load.js";
import { formatProblem } from "../../../src/profile/problems.js";
import { RUNTIME_CATALOG_FILE, compareVersions, llamaCppRecipe, runtimeCatalog, runtimeCatalogSchema } from "../../../src/profile/runtimeCatalog.js";
import { checkVersionRules } from "../../../src/profile/schema/versionRules.js";
import { llamaCppBuild, ollamaRelease, vllmBuild, vllmRequirement } from "../../../src/host/inference/releases.js";
import { inferenceSteps } from "../../../src/host/inference/index.js";

/**
 * profiles/catalog/runtimes.yaml: its schema, and every version trap of a pin bump as a profile
 * that is refused with the fix, or that the catalog makes work.
 */
const PROFILES = join(import.meta.dirname, "../../../profiles");
const SUM = "b".repeat(64);

/** A profile extending quad-gpu with the given nvidia section and one service of `runtime` with `runtimes` as YAML. */
function profileWith(opts: { nvidia?: string; runtime: "vllm" | "ollama" | "llama.cpp"; runtimes: string }) {
  const dir = mkdtempSync(join(tmpdir(), "aiws-versions-"));
  const file = join(dir, "p.yaml");
  const quant = opts.runtime === "vllm" ? "bf16" : "q4_k_m";
  writeFileSync(
    file,
    `extends: ${relative(dir, join(PROFILES, "quad-gpu.yaml"))}\nname: t\n${opts.nvidia ? `nvidia:\n${opts.nvidia}\n` : ""}inference:\n  runtimes:\n${opts.runtimes}\n  services:\n    - { name: s, runtime: ${opts.runtime}, model: llama-3.1-8b, source: org/m, quantization: ${quant}, contextLength: 8192, gpus: [0], port: 8000 }\n`,
  );
  const r = tryLoadProfile(file);
  return { ...r, text: r.problems.map(formatProblem).join("\n") };
}

describe("the runtime catalog", () => {
  const catalog = runtimeCatalog();

  it("is valid, and every entry says where its facts come from and when they were checked", () => {
    for (const kind of ["driverBranches", "cuda", "vllm", "ollama", "llamaCpp"] as const) {
      for (const [v, e] of Object.entries(catalog[kind])) {
        expect(e.checked, `${kind}.${v}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(e.source, `${kind}.${v}`).toMatch(/^https:\/\//);
      }
    }
  });

  it("every download it lists is https with a sha256", () => {
    for (const e of [...Object.values(catalog.ollama), ...Object.values(catalog.llamaCpp)]) {
      expect(e.url).toMatch(/^https:\/\//);
      expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("refuses defaults that do not work together, and an entry without a checksum", () => {
    const raw = parse(readFileSync(RUNTIME_CATALOG_FILE, "utf8")) as Record<string, Record<string, unknown>>;
    const bad = structuredClone(raw);
    (bad.defaults as Record<string, string>).cuda = "13.1";
    const r = runtimeCatalogSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toContain("defaults.cuda: CUDA 13.1 needs driver branch 590; the default branch is 580");
    const noSum = structuredClone(raw);
    delete (noSum.ollama!["0.40.2"] as Record<string, unknown>).sha256;
    expect(runtimeCatalogSchema.safeParse(noSum).success).toBe(false);
    // The loader names the file and every problem.
    const file = join(mkdtempSync(join(tmpdir(), "aiws-catalog-")), "runtimes.yaml");
    writeFileSync(file, stringify(bad));
    expect(() => runtimeCatalog(file)).toThrow(/runtimes.yaml is not a valid runtime catalog:\n {2}defaults.cuda: CUDA 13.1 needs driver branch 590/);
  });

  it("orders versions as releases, not as strings", () => {
    expect(compareVersions("0.9.2", "0.14.0")).toBeLessThan(0);
    expect(compareVersions("b999", "b6729")).toBeLessThan(0);
    expect(compareVersions("12.9", "13.0")).toBeLessThan(0);
    expect(compareVersions("0.40.2", "0.40.2")).toBe(0);
  });
});

describe("version traps", () => {
  it("a CUDA release the driver branch cannot run is refused at nvidia.cudaVersion, with what would work", () => {
    const r = profileWith({ nvidia: '  cudaVersion: "13.1"', runtime: "ollama", runtimes: "    ollama: {}" });
    expect(r.text).toContain(
      "nvidia.cudaVersion: CUDA 13.1 needs driver 590.44.01 or later, and driver branch 580 is older: set nvidia.driverBranch to 590 or later, or cudaVersion to 12.8 or 12.9 or 13.0",
    );
    expect(profileWith({ nvidia: '  driverBranch: "590"\n  cudaVersion: "13.1"', runtime: "ollama", runtimes: "    ollama: {}" }).text).toBe("");
  });

  it("vLLM 0.31.0 on CUDA 12.8: refused (its wheel is built for 13.0), with the release that fits", () => {
    const r = profileWith({ nvidia: '  cudaVersion: "12.8"', runtime: "vllm", runtimes: "    vllm: {}" });
    expect(r.text).toContain(
      "inference.runtimes.vllm.version: vLLM 0.31.0's wheels are built for CUDA 13.0, and the profile installs CUDA 12.8: set nvidia.cudaVersion to 13.0, or pin vLLM 0.11.0 (built for 12.8)",
    );
    const ok = profileWith({ runtime: "vllm", runtimes: "    vllm: {}" });
    expect(ok.text).toBe("");
    // Exactly this build: a plain ==0.31.0 would also take 0.31.0+cu129 from an index that has both.
    expect(inferenceSteps(ok.loaded!.profile).find((s) => s.id === "inference-vllm")!.vars).toMatchObject({ VLLM_REQUIREMENT: "vllm===0.31.0", VLLM_BUILD: "0.31.0", VLLM_EXTRA_INDEX: "", VLLM_VENV: "/opt/aiws/vllm/0.31.0" });
  });

  it("a CUDA variant the catalog lists is installed from its index as the +cuXXX build, in a venv of its own", () => {
    const catalog = structuredClone(runtimeCatalog());
    catalog.vllm["0.31.0"]!.variants["12.9"] = { local: "+cu129", index: "https://wheels.example/0.31.0/cu129" };
    expect(vllmRequirement({ version: "0.31.0" }, "12.9", catalog)).toEqual({ requirement: "vllm==0.31.0+cu129", extraIndex: "https://wheels.example/0.31.0/cu129" });
    expect(vllmBuild({ version: "0.31.0" }, "12.9", catalog)).toBe("0.31.0+cu129");
    // The shipped catalog has no 12.9 build of 0.31.0; with one listed, a CUDA 12.9 profile passes.
    expect(profileWith({ nvidia: '  cudaVersion: "12.9"', runtime: "vllm", runtimes: "    vllm: {}" }).text).toContain("vLLM 0.31.0's wheels are built for CUDA 13.0");
    const p = profileWith({ runtime: "vllm", runtimes: "    vllm: {}" }).loaded!.profile;
    const issues: string[] = [];
    checkVersionRules({ nvidia: { ...p.nvidia, cudaVersion: "12.9" }, inference: p.inference, hasGpus: true }, (path, m) => issues.push(`${path.join(".")}: ${m}`), catalog);
    expect(issues).toEqual([]);
  });

  it("an old vLLM pin on the new CUDA is refused; a version the catalog lacks needs its CUDA said", () => {
    expect(profileWith({ runtime: "vllm", runtimes: '    vllm: { version: "0.11.0" }' }).text).toContain("vLLM 0.11.0's wheels are built for CUDA 12.8, and the profile installs CUDA 13.0");
    expect(profileWith({ runtime: "vllm", runtimes: '    vllm: { version: "0.30.0" }' }).text).toContain(
      "inference.runtimes.vllm.version: vLLM 0.30.0 is not in profiles/catalog/runtimes.yaml (it lists 0.11.0, 0.31.0): pick a listed release, or say which CUDA its wheel is built for with runtimes.vllm.cuda",
    );
    expect(profileWith({ runtime: "vllm", runtimes: '    vllm: { version: "0.30.0", cuda: "13.0" }' }).text).toBe("");
    expect(profileWith({ runtime: "vllm", runtimes: '    vllm: { version: "0.30.0", cuda: "12.9" }' }).text).toContain("vLLM 0.30.0 is built for CUDA 12.9, and the profile installs CUDA 13.0");
  });

  it("Ollama: a version bump alone gets the .tar.zst asset (no 404); a .tgz release URL from 0.14.0 is refused; an unlisted version needs its sha256", () => {
    const bumped = profileWith({ runtime: "ollama", runtimes: `    ollama: { version: "0.35.1", sha256: ${SUM} }` });
    expect(bumped.text).toBe("");
    expect(ollamaRelease(bumped.loaded!.profile.inference.runtimes.ollama)).toEqual({ url: "https://github.com/ollama/ollama/releases/download/v0.35.1/ollama-linux-amd64.tar.zst", sha256: SUM });
    expect(ollamaRelease({ version: "0.13.5", sha256: SUM }).url).toMatch(/ollama-linux-amd64\.tgz$/);
    expect(profileWith({ runtime: "ollama", runtimes: '    ollama: { version: "0.35.1" }' }).text).toContain(
      "inference.runtimes.ollama.sha256: Ollama from version 0.35.1 is downloaded and run as root, and profiles/catalog/runtimes.yaml has no checksum for it (it lists 0.12.6, 0.32.15, 0.40.2)",
    );
    const tgz = profileWith({ runtime: "ollama", runtimes: `    ollama: { version: "0.40.2", url: "https://github.com/ollama/ollama/releases/download/v0.40.2/ollama-linux-amd64.tgz", sha256: ${SUM} }` });
    expect(tgz.text).toContain("inference.runtimes.ollama.url: Ollama 0.14.0 and later publish ollama-linux-amd64.tar.zst, not .tgz (ollama/ollama#13651)");
    // A listed version: the catalog's URL and checksum.
    expect(ollamaRelease({ version: "0.40.2" })).toEqual({ url: "https://github.com/ollama/ollama/releases/download/v0.40.2/ollama-linux-amd64.tar.zst", sha256: "726bee78706c281b0eeef00746efe51a044d71c592c3f0b195820707f31fdf04" });
  });

  it("llama.cpp: a tag after b7736 builds with OpenSSL's headers, one before with libcurl's; the catalog's recipe follows the tag", () => {
    const newer = llamaCppBuild({ version: "b11474", sha256: SUM });
    expect(newer).toMatchObject({ url: "https://github.com/ggml-org/llama.cpp/archive/refs/tags/b11474.tar.gz", sha256: SUM, cmakeFlags: ["-DLLAMA_OPENSSL=ON"], cudaArchitectures: "120a" });
    expect(newer.packages).toContain("libssl-dev");
    const older = llamaCppBuild({ version: "b7000", sha256: SUM });
    expect(older.packages).toContain("libcurl4-openssl-dev");
    expect(older.cmakeFlags).toEqual(["-DLLAMA_CURL=ON"]);
    // A tag after the change but before any listed OpenSSL tag still gets OpenSSL's recipe.
    const between = llamaCppBuild({ version: "b8000", sha256: SUM });
    expect(between.packages).toContain("libssl-dev");
    expect(between.cmakeFlags).toEqual(["-DLLAMA_OPENSSL=ON"]);
    expect(llamaCppBuild({ version: "b10003", cudaArchitectures: "120f" }).cudaArchitectures).toBe("120f");
    expect(profileWith({ runtime: "llama.cpp", runtimes: '    llamaCpp: { version: "b11474" }' }).text).toContain("inference.runtimes.llamaCpp.sha256: llama.cpp from version b11474 is downloaded and run as root");
    // A binary already on the host downloads nothing: no checksum to give.
    expect(profileWith({ runtime: "llama.cpp", runtimes: '    llamaCpp: { version: "b11474", binary: /usr/local/bin/llama-server }' }).text).toBe("");
  });

  it("a llama.cpp build that needs a newer CUDA than the profile installs is refused", () => {
    const catalog = structuredClone(runtimeCatalog());
    catalog.llamaCpp.b10003!.minCuda = "13.1";
    const issues: string[] = [];
    const p = profileWith({ runtime: "llama.cpp", runtimes: "    llamaCpp: {}" }).loaded!.profile;
    checkVersionRules({ nvidia: p.nvidia, inference: p.inference, hasGpus: true }, (path, m) => issues.push(`${path.join(".")}: ${m}`), catalog);
    expect(issues).toEqual(["inference.runtimes.llamaCpp.version: llama.cpp b10003 built for CUDA architectures 120a needs CUDA 13.1 or later; the profile installs CUDA 13.0: raise nvidia.cudaVersion"]);
    // An overridden architecture list is held to what its nvcc must know: 120f is CUDA 12.9's.
    expect(profileWith({ nvidia: '  cudaVersion: "12.8"', runtime: "llama.cpp", runtimes: '    llamaCpp: { cudaArchitectures: "120f" }' }).text).toContain(
      "inference.runtimes.llamaCpp.cudaArchitectures: llama.cpp b10003 built for CUDA architectures 120f needs CUDA 12.9 or later; the profile installs CUDA 12.8: raise nvidia.cudaVersion",
    );
    expect(profileWith({ nvidia: '  cudaVersion: "12.9"', runtime: "llama.cpp", runtimes: '    llamaCpp: { cudaArchitectures: "120f" }' }).text).toBe("");
    expect(llamaCppRecipe("b6000", catalog).cmakeFlags).toEqual(["-DLLAMA_CURL=ON"]);
  });

  it("runtimes no service uses are not held to the profile's CUDA", () => {
    expect(profileWith({ nvidia: '  cudaVersion: "12.8"', runtime: "ollama", runtimes: '    vllm: { version: "0.31.0" }' }).text).toBe("");
  });
});
