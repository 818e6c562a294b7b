import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { tryLoadProfile } from "../../../src/profile/load.js";
import { formatProblem } from "../../../src/profile/problems.js";

/**
 * The profile's inference section as users write it: a YAML profile extending a shipped one,
 * loaded through the real loader, problems located at the line to change.
 */
const PROFILES = join(import.meta.dirname, "../../../profiles");

function loadWith(inference: string, parent = "quad-gpu.yaml") {
  const dir = mkdtempSync(join(tmpdir(), "aiws-inf-profile-"));
  const file = join(dir, "p.yaml");
  writeFileSync(file, `extends: ${relative(dir, join(PROFILES, parent))}\nname: test\ninference:\n${inference}`);
  const r = tryLoadProfile(file);
  return { ...r, text: r.problems.map(formatProblem).join("\n") };
}

const service = (extra: string, runtime = "vllm", quantization = "fp8") => `
  services:
    - name: s
      runtime: ${runtime}
      model: llama-3.1-70b
      source: org/model
      quantization: ${quantization}
      contextLength: 8192
      gpus: [0]
      port: 8000
${extra
  .split("\n")
  .filter(Boolean)
  .map((l) => `      ${l}`)
  .join("\n")}
`;

describe("the inference section", () => {
  it("loads with defaults: runtimes pinned, models on /data/models, API key on, 16 GB RAM reserve", () => {
    const { loaded, text } = loadWith(service(""));
    expect(text).toBe("");
    const inf = loaded!.profile.inference;
    expect(inf.runtimes).toEqual({ vllm: { version: "0.31.0" }, ollama: { version: "0.40.2" }, llamaCpp: { version: "b10003" } });
    expect(inf).toMatchObject({ modelsDir: "/data/models", apiKey: true, huggingFaceToken: false, ramReserveGB: 16 });
    expect(inf.services[0]).toMatchObject({ parallel: 1, host: "127.0.0.1", kvCacheType: "fp16", extraArgs: [] });
  });

  it.each([
    ["a GGUF quantization on vLLM", service("", "vllm", "q4_k_m"), /quantization: vllm does not serve q4_k_m; it serves fp16, bf16, fp8, int4-awq, int4-gptq/],
    ["an AWQ checkpoint on llama.cpp", service("", "llama.cpp", "int4-awq"), /llama\.cpp does not serve int4-awq/],
    ["a memory fraction on Ollama", service("memoryFraction: 0.5", "ollama", "q8_0"), /memoryFraction: only vLLM takes a fixed fraction/],
    ["GPU layers on vLLM", service("gpuLayers: 40"), /gpuLayers: gpuLayers is a llama\.cpp setting; vllm does not take it/],
    ["a tensor split of the wrong length", service("tensorSplit: [1, 1]", "llama.cpp", "q4_k_m"), /one proportion per GPU: gpus lists 1, tensorSplit 2/],
    ["an fp8 KV cache on llama.cpp", service("kvCacheType: fp8", "llama.cpp", "q8_0"), /llama\.cpp has no fp8 KV cache; it has fp16, q8_0, q4_0/],
    ["a source with a space", service("").replace("org/model", '"org/my model"'), /source: letters, digits and/],
    ["a GPU the profile does not have", service("").replace("gpus: [0]", "gpus: [4]"), /GPU 4 does not exist: this profile has 4 GPU\(s\)/],
    ["an unknown quantization", service("", "vllm", "q3_k"), /"q3_k" is not one of/],
    ["an unknown key", service("tensorParallel: 2"), /unknown key "tensorParallel"/],
  ])("refuses %s, at the line to change", (_what, yaml, message) => {
    const { loaded, text } = loadWith(yaml);
    expect(loaded).toBeUndefined();
    expect(text).toMatch(message);
    expect(text).toMatch(/p\.yaml:\d+:\d+: inference\.services\.0/);
  });

  it("refuses two services with one name", () => {
    const two = `${service("")}    - name: s\n      runtime: vllm\n      model: llama-3.1-8b\n      source: org/small\n      quantization: bf16\n      contextLength: 8192\n      gpus: [1]\n      port: 8001\n`;
    expect(loadWith(two).text).toMatch(/inference\.services\.1\.name: the name s is already used by inference\.services\.0/);
  });

  it("refuses vLLM and Ollama without a GPU, accepts llama.cpp on the CPU", () => {
    expect(loadWith(service("").replace("gpus: [0]", "gpus: []")).text).toMatch(/vllm needs at least one GPU/);
    expect(loadWith(service("gpuLayers: 0", "llama.cpp", "q4_k_m").replace("gpus: [0]", "gpus: []")).text).toBe("");
  });
});
