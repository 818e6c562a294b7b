import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { inferenceSchema, type InferenceService } from "../../../src/profile/schema/inference.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { vramBudget } from "../../../src/budget/vram.js";
import { loadModels, profileVramBudget } from "../../../src/budget/vramModels.js";
import type { BudgetLine, BudgetResult } from "../../../src/budget/types.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");
const models = loadModels();

type ServiceInput = Partial<InferenceService> & Pick<InferenceService, "name" | "runtime" | "model" | "quantization" | "contextLength">;

/** A shipped hardware profile with these services in place of its own. */
function serving(file: string, services: ServiceInput[]): Profile {
  const p = structuredClone(loadProfile(join(PROFILES, file)).profile);
  p.inference = inferenceSchema.parse({
    services: services.map((s, i) => ({ source: "org/model", port: 8000 + i, gpus: [0], ...s })),
  });
  return p;
}

const budget = (file: string, services: ServiceInput[]) => vramBudget(serving(file, services), models);
const fitsAll = (r: BudgetResult) => r.lines.every((l) => l.ok);
const byId = (r: BudgetResult, id: string): BudgetLine => {
  const l = r.lines.find((x) => x.id === id);
  if (!l) throw new Error(`no line ${id}: ${r.lines.map((x) => x.id).join(", ")}`);
  return l;
};

const ALL4 = [0, 1, 2, 3];
const l405 = { model: "llama-3.1-405b", contextLength: 8192 } as const;

describe("the build documents' claims, with the verdicts the reference gives", () => {
  it.each<{ claim: string; file: string; services: ServiceInput[]; fits: boolean; check?: (r: BudgetResult) => void }>([
    {
      claim: "405B at FP16 on 4 x 96 GB (07, 08): refused, ~810 GB of weights",
      file: "quad-gpu.yaml",
      services: [{ name: "l405", runtime: "vllm", ...l405, quantization: "bf16", gpus: ALL4 }],
      fits: false,
      check: (r) => {
        expect(r.suggestions.join("\n")).toMatch(/needs 811\.7 GB of weights/);
        expect(r.suggestions.join("\n")).toMatch(/quantization: int4-awq \(217\.1 GB of weights\) fits/);
        for (const g of ALL4) expect(byId(r, `vram-gpu${g}`).load).toBeGreaterThan(200);
      },
    },
    {
      claim: "405B at FP8 on 4 x 96 GB (the reference: does not fit either)",
      file: "quad-gpu.yaml",
      services: [{ name: "l405", runtime: "vllm", ...l405, quantization: "fp8", gpus: ALL4 }],
      fits: false,
      check: (r) => expect(r.suggestions.join("\n")).toMatch(/needs 409\.9 GB of weights/),
    },
    {
      claim: "405B at INT4 AWQ, tensor parallel 4: fits, ~100+ GB left for KV cache",
      file: "quad-gpu.yaml",
      services: [{ name: "l405", runtime: "vllm", ...l405, contextLength: 32768, quantization: "int4-awq", gpus: ALL4 }],
      fits: true,
      check: (r) => {
        // The card holds vLLM's whole 0.90 share of the 102.6 GB the driver exposes, and its CUDA graphs outside it.
        expect(byId(r, "vram-gpu0")).toMatchObject({ load: 93.9, limit: 102.6 });
        expect(byId(r, "vram-gpu0").detail).toMatch(/54\.3 weights \+ 4\.2 KV \+ 2\.5 runtime = 61\.0 GB of its 0\.90 x 102\.6 = 92\.4 GB, \+ 1\.5 GB of CUDA graphs outside it/);
        expect(r.notes.join("\n")).toMatch(/~35\.6 GB per GPU, ~276K tokens/);
      },
    },
    {
      claim: "405B at Q4_K_M, llama.cpp layer split over 4 GPUs: fits (~246 GB)",
      file: "quad-gpu.yaml",
      services: [{ name: "l405", runtime: "llama.cpp", ...l405, quantization: "q4_k_m", gpus: ALL4 }],
      fits: true,
      check: (r) => expect(byId(r, "vram-gpu3").detail).toMatch(/61\.5 weights/),
    },
    {
      claim: "405B Q4 on one 96 GB card at 10 tok/s (02, 03, 08): fits only with offload, ~1.9 tok/s ceiling",
      file: "base.yaml",
      services: [{ name: "l405", runtime: "llama.cpp", ...l405, quantization: "q4_k_m", gpuLayers: 50, minTokensPerSecond: 10 }],
      fits: false,
      check: (r) => {
        expect(byId(r, "vram-gpu0").ok).toBe(true);
        const ram = byId(r, "vram-ram-l405");
        expect(ram.ok).toBe(true);
        expect(ram.load).toBeGreaterThan(145);
        expect(ram.load).toBeLessThan(160);
        expect(ram.margin).toBeLessThan(45); // tight
        const speed = byId(r, "vram-speed-l405");
        expect(speed.ok).toBe(false);
        expect(speed.unit).toBe("tok/s");
        expect(speed.limit).toBeGreaterThanOrEqual(1);
        expect(speed.limit).toBeLessThanOrEqual(2);
        expect(r.suggestions.join("\n")).toMatch(/needs 1484\.1 GB\/s of RAM bandwidth; this machine has 307\.2 GB\/s/);
      },
    },
    {
      claim: "405B Q4 on one card without offload: refused, and the way out is the layer count that fits",
      file: "base.yaml",
      services: [{ name: "l405", runtime: "llama.cpp", ...l405, quantization: "q4_k_m" }],
      fits: false,
      check: (r) => expect(r.suggestions.join("\n")).toMatch(/gpuLayers: 50 keeps 50 of 126 layers on the GPU\(s\) and 151\.0 GB in system RAM \(at most 1\.9 tok\/s\)/),
    },
    {
      claim: "70B Q8_0 on one card (03): fits; its bandwidth ceiling is ~24 tok/s, not 25-35",
      file: "base.yaml",
      services: [{ name: "l70", runtime: "ollama", model: "llama-3.1-70b", quantization: "q8_0", contextLength: 16384 }],
      fits: true,
      check: (r) => {
        expect(byId(r, "vram-gpu0").load).toBeCloseTo(81.9, 1);
        expect(r.notes.join("\n")).toMatch(/l70: at most 23\.9 tok\/s/);
      },
    },
    {
      claim: "70B at FP16 on one card: refused; FP8 or two GPUs fit",
      file: "dual-gpu.yaml",
      services: [{ name: "l70", runtime: "vllm", model: "llama-3.1-70b", quantization: "bf16", contextLength: 8192 }],
      fits: false,
      check: (r) => {
        const s = r.suggestions.join("\n");
        expect(s).toMatch(/quantization: fp8 .* fits on the same GPU/);
        expect(s).toMatch(/gpus: \[0, 1\] \(tensor parallel over 2\) fits at bf16/);
      },
    },
  ])("$claim", ({ file, services, fits, check }) => {
    const r = budget(file, services);
    expect(fitsAll(r), JSON.stringify(r.lines, null, 1)).toBe(fits);
    check?.(r);
  });
});

describe("four 70B models on four cards", () => {
  const r = profileVramBudget(loadProfile(join(PROFILES, "serving-4x70b.yaml")).profile);

  it("every GPU carries one FP8 Llama 3.1 70B within vLLM's 0.9 share", () => {
    expect(fitsAll(r)).toBe(true);
    for (const g of ALL4) {
      const l = byId(r, `vram-gpu${g}`);
      expect(l.group).toBe("vram");
      expect(l.unit).toBe("GB");
      expect(l.load).toBeCloseTo(86.0, 1);
      expect(l.limit).toBeCloseTo(92.4, 1);
      expect(l.title).toBe(`GPU ${g}: llama70b-${g}`);
    }
    expect(r.lines).toHaveLength(4);
  });

  it("notes the ceiling and the KV pool", () => {
    // Said once for the four services it is true of, not four times.
    expect(r.notes).toEqual([
      expect.stringMatching(/^llama70b-0, llama70b-1, llama70b-2, llama70b-3: at most 24\.6 tok\/s at batch 1/),
      expect.stringMatching(/^llama70b-0, llama70b-1, llama70b-2, llama70b-3: vLLM gives the rest of its 0\.90 share to the KV cache/),
    ]);
  });
});

describe("a GPU two services share", () => {
  const awq = { runtime: "vllm", model: "llama-3.1-70b", quantization: "int4-awq", contextLength: 16384 } as const;

  it("refuses two services that fit alone but not together, and says how to place them", () => {
    const r = budget("dual-gpu.yaml", [
      { name: "a", ...awq, memoryFraction: 0.5 },
      { name: "b", ...awq, memoryFraction: 0.45 },
    ]);
    const g0 = byId(r, "vram-gpu0");
    expect(g0.ok).toBe(false);
    expect(g0.title).toBe("GPU 0: a + b");
    expect(byId(r, "vram-gpu1").ok).toBe(true);
    const s = r.suggestions.join("\n");
    expect(s).toMatch(/b: memoryFraction: 0\.47/);
    expect(s).not.toMatch(/^a:/m); // a is within its own share
  });

  it("refuses vLLM fractions that add up to more than the card", () => {
    const r = budget("dual-gpu.yaml", [
      { name: "a", ...awq, memoryFraction: 0.6 },
      { name: "b", ...awq, memoryFraction: 0.6 },
    ]);
    expect(byId(r, "vram-gpu0").ok).toBe(false);
    expect(byId(r, "vram-gpu0")).toMatchObject({ load: 126.2, limit: 102.6 });
    expect(byId(r, "vram-gpu0").detail).toMatch(/^over: vLLM's whole fractions \+ its CUDA graphs outside them exceed the card's 102\.6 GB/);
  });

  it("accepts two small models that fit together", () => {
    const small = { runtime: "vllm", model: "llama-3.1-8b", quantization: "bf16", contextLength: 32768 } as const;
    const r = budget("base.yaml", [
      { name: "a", ...small, memoryFraction: 0.45 },
      { name: "b", ...small, memoryFraction: 0.45 },
    ]);
    expect(fitsAll(r)).toBe(true);
    // Two 0.45 shares + two sets of CUDA graphs against the card: the tighter of the row's limits.
    expect(byId(r, "vram-gpu0")).toMatchObject({ load: 95.4, limit: 102.6 });
  });

  it("counts vLLM's whole share beside a runtime that takes what it needs, and points at a free GPU", () => {
    const r = budget("dual-gpu.yaml", [
      { name: "v", runtime: "vllm", model: "llama-3.1-8b", quantization: "bf16", contextLength: 8192 },
      { name: "o", runtime: "ollama", model: "llama-3.1-8b", quantization: "q8_0", contextLength: 8192 },
    ]);
    const g0 = byId(r, "vram-gpu0");
    expect(g0.ok).toBe(false);
    expect(g0.load).toBeGreaterThan(92.8);
    expect(g0.limit).toBeCloseTo(102.6, 1);
    expect(r.suggestions.join("\n")).toMatch(/gpus: \[1\] \(the least used GPUs\) fits as it is/);
  });
});

describe("formulas", () => {
  it.each([
    ["llama-3.1-8b", 131072],
    ["llama-3.1-70b", 327680],
    ["llama-3.1-405b", 516096],
    ["mixtral-8x22b", 229376],
    ["qwen2.5-72b", 327680],
    ["deepseek-r1", 70272],
  ])("KV cache per token of %s at FP16: %d bytes", async (key, bytes) => {
    const { kvBytesPerToken } = await import("../../../src/budget/vramMath.js");
    expect(kvBytesPerToken(models.get(key)!, "fp16")).toBe(bytes);
  });

  it("RAM bandwidth is channels populated x MT/s x 8 bytes: 6 of 8 channels of DDR5-6400 = 307.2 GB/s", async () => {
    const { ramFacts } = await import("../../../src/budget/vramMath.js");
    const base = loadProfile(join(PROFILES, "base.yaml")).profile.hardware;
    expect(ramFacts(base, 16).bandwidthGBs).toBeCloseTo(307.2, 6);
    const a16z = loadProfile(join(PROFILES, "a16z.yaml")).profile.hardware;
    expect(ramFacts(a16z, 16).bandwidthGBs).toBeCloseTo(332.8, 6); // 8 x 5200 x 8
    expect(ramFacts(base, 16).availableGB).toBeCloseTo((6 * 32 * 2 ** 30) / 1e9 - 16, 6);
  });

  it("a mixture of experts reads only its active share per token", () => {
    const r = budget("quad-gpu.yaml", [{ name: "mx", runtime: "vllm", model: "mixtral-8x22b", quantization: "fp8", contextLength: 32768, gpus: [0, 1] }]);
    expect(fitsAll(r)).toBe(true);
    // 141.5 GB of FP8 weights, 39.1/140.6 of them read per token, split over 2 GPUs.
    expect(r.notes.join("\n")).toMatch(/mx: at most 91\.\d tok\/s .*active experts/);
  });

  it("MLA: DeepSeek-R1's latent cache is whole on every tensor-parallel rank", () => {
    const r = budget("quad-gpu.yaml", [{ name: "r1", runtime: "vllm", model: "deepseek-r1", quantization: "fp8", contextLength: 32768, gpus: ALL4 }]);
    expect(fitsAll(r)).toBe(false);
    expect(byId(r, "vram-gpu0").detail).toMatch(/2\.3 KV/); // 70,272 B x 32768, not divided by 4
  });
});

describe("what the budget refuses outright", () => {
  it("an unknown model, with did-you-mean", () => {
    const r = budget("base.yaml", [{ name: "x", runtime: "vllm", model: "llama-3.1-70", quantization: "fp8", contextLength: 8192 }]);
    const l = byId(r, "vram-model-x");
    expect(l.ok).toBe(false);
    expect(l.detail).toMatch(/unknown model "llama-3\.1-70"; did you mean llama-3\.1-70b\?/);
  });

  it("a context longer than the model was trained for", () => {
    const r = budget("quad-gpu.yaml", [{ name: "m", runtime: "vllm", model: "mixtral-8x22b", quantization: "int4-awq", contextLength: 131072, gpus: ALL4 }]);
    expect(byId(r, "vram-context-m").ok).toBe(false);
    expect(r.suggestions).toContain("m: contextLength: 65536 or less");
  });

  it("tensor parallel over a GPU count that does not divide the attention heads", () => {
    const r = budget("quad-gpu.yaml", [{ name: "t", runtime: "vllm", model: "llama-3.1-70b", quantization: "int4-awq", contextLength: 8192, gpus: [0, 1, 2] }]);
    expect(byId(r, "vram-model-t").detail).toMatch(/3 GPUs do not divide them/);
  });

  it("llama.cpp offload beyond the RAM left after the OS reserve", () => {
    const r = budget("base.yaml", [{ name: "big", runtime: "llama.cpp", model: "llama-3.1-405b", quantization: "q8_0", contextLength: 8192, gpuLayers: 20 }]);
    const ram = byId(r, "vram-ram-big");
    expect(ram.ok).toBe(false);
    expect(ram.detail).toMatch(/6 x 32 GiB = 206\.2 GB, 6 of 8 channels at 6400 MT\/s = 307\.2 GB\/s, less 16\.0 GB for the OS/);
  });

  it("nothing to say for a profile without services", () => {
    expect(profileVramBudget(loadProfile(join(PROFILES, "base.yaml")).profile)).toEqual({ lines: [], suggestions: [], notes: [] });
  });
});

describe("the shipped profiles", () => {
  it.each([
    ["serving-4x70b.yaml", true],
    ["serving-405b-int4.yaml", true],
    ["claims-405b-fp16.yaml", false],
    ["claims-405b-one-gpu.yaml", false],
  ])("%s fits: %s", (file, fits) => {
    const p = loadProfile(join(PROFILES, file)).profile;
    expect(fitsAll(profileVramBudget(p))).toBe(fits);
    if (!fits) expect(p.description).toMatch(/^REFUTED CLAIM \(refused on purpose\)/);
  });
});

describe("the model catalog", () => {
  it("has the models the issue names, each with every quantization its runtimes serve", () => {
    for (const key of ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "mixtral-8x22b", "qwen2.5-72b", "deepseek-r1"]) {
      const m = models.get(key)!;
      expect(m, key).toBeDefined();
      for (const q of ["bf16", "fp8", "int4-awq", "q8_0", "q6_k", "q5_k_m", "q4_k_m"] as const) expect(m.bitsPerWeight[q], `${key} ${q}`).toBeGreaterThan(0);
    }
    expect(models.get("mixtral-8x22b")!.activeParamsB).toBeCloseTo(39.1, 1);
    expect(models.get("deepseek-r1")!.mla).toEqual({ kvLoraRank: 512, ropeHeadDim: 64 });
  });

  it("matches the reference's weight sizes (GB)", async () => {
    const { weightsGB } = await import("../../../src/budget/vramMath.js");
    const w = (k: string, q: "bf16" | "fp8" | "q8_0" | "q4_k_m") => weightsGB(models.get(k)!, models.get(k)!.bitsPerWeight[q]!);
    expect(w("llama-3.1-405b", "bf16")).toBeCloseTo(812, -1);
    expect(w("llama-3.1-405b", "q8_0")).toBeCloseTo(431, 0);
    expect(w("llama-3.1-405b", "q4_k_m")).toBeCloseTo(246, 0);
    expect(w("llama-3.1-70b", "q4_k_m")).toBeCloseTo(42.5, 0);
    expect(w("llama-3.1-70b", "q8_0")).toBeCloseTo(75, 0);
    expect(w("llama-3.1-8b", "q4_k_m")).toBeCloseTo(4.9, 1);
    expect(w("mixtral-8x22b", "q4_k_m")).toBeCloseTo(86, 0);
  });
});
