import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { inferenceSchema, type InferenceService } from "../../../src/profile/schema/inference.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { vramBudget } from "../../../src/budget/vram.js";
import { loadModels } from "../../../src/budget/vramModels.js";
import { demand, gpuSlots, ramFacts } from "../../../src/budget/vramMath.js";
import { checkProfile } from "../../../src/budget/check.js";
import { formatReport } from "../../../src/budget/format.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");
const models = loadModels();
const quad = loadProfile(join(PROFILES, "quad-gpu.yaml")).profile;
type ServiceInput = Partial<InferenceService> & Pick<InferenceService, "name" | "runtime" | "model" | "quantization" | "contextLength">;

/** quad-gpu with `cards` Max-Q cards (in entries of at most 8) and these services. */
function machine(cards: number, services: ServiceInput[]): Profile {
  const p = structuredClone(quad);
  const g = p.hardware.gpus[0]!;
  p.hardware.gpus = cards > 8 ? [{ ...g, count: 8 }, { ...g, count: cards - 8 }] : [{ ...g, count: cards }];
  p.inference = inferenceSchema.parse({ services: services.map((s, i) => ({ source: "org/model", port: 8000 + i, gpus: [0], ...s })) });
  return p;
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("KV cache per GPU under tensor parallelism: vLLM replicates KV heads past their number", () => {
  // Llama 3.1 70B has 8 KV heads: up to TP=8 each rank holds 8/TP of them, beyond it one each.
  it.each([
    [1, 1],
    [2, 2],
    [4, 4],
    [8, 8],
    [16, 8],
  ])("TP=%d over 8 KV heads: each GPU holds 1/%d of the KV cache", (tp, share) => {
    const p = machine(16, [{ name: "l70", runtime: "vllm", model: "llama-3.1-70b", quantization: "fp8", contextLength: 32768, parallel: 4, gpus: range(tp) }]);
    const model = models.get("llama-3.1-70b")!;
    const d = demand(p.inference.services[0]!, model, model.bitsPerWeight.fp8!, gpuSlots(p.hardware), ramFacts(p.hardware, 16));
    expect(d.perGpu).toHaveLength(tp);
    for (const g of d.perGpu) expect(g.kvGB).toBeCloseTo(d.kvGB / share, 6);
  });

  it("TP=16 with 8 KV heads: twice the per-GPU KV cache that an even split over 16 would say", () => {
    const p = machine(16, [{ name: "l70", runtime: "vllm", model: "llama-3.1-70b", quantization: "fp8", contextLength: 131072, parallel: 8, gpus: range(16) }]);
    const r = vramBudget(p, models);
    // 320 KiB/token x 131072 x 8 = 343.6 GB of KV in all: 42.9 GB per GPU, not 21.5.
    expect(r.lines.find((l) => l.id === "vram-gpu15")!.detail).toMatch(/4\.5 weights \+ 42\.9 KV/);
  });
});

describe("the card's usable memory comes from the catalog", () => {
  it.each([
    ["the driver's 97,887 MiB", 97887, 102.64],
    ["the nominal 96 GiB when the catalog does not say", undefined, 103.08],
  ])("%s", (_what, usable, gb) => {
    const hw = structuredClone(quad.hardware);
    hw.gpus[0]!.usableVramMiB = usable;
    expect(gpuSlots(hw)[0]!.capacityGB).toBeCloseTo(gb, 2);
  });
});

describe("vLLM fractions near 1.0: its CUDA graphs need room outside them", () => {
  const small = { runtime: "vllm", model: "llama-3.1-8b", quantization: "bf16", contextLength: 8192 } as const;
  it.each([
    // fractions on GPU 0, fits: 102.64 GB usable, 1.5 GB of CUDA graphs per service outside its fraction
    [[0.9], true],
    [[0.98], true], // 100.6 + 1.5 = 102.1
    [[0.5, 0.48], false], // 100.6 + 3.0 = 103.6
    [[0.47, 0.47], true], // 96.5 + 3.0 = 99.5
    [[0.49, 0.49], false], // 100.6 + 3.0 = 103.6: what "0.98 in all" leaves is not enough
  ] as const)("%j fits: %s", (fractions, fits) => {
    const r = vramBudget(machine(1, fractions.map((f, i) => ({ name: `s${i}`, ...small, memoryFraction: f }))), models);
    expect(r.lines.every((l) => l.ok)).toBe(fits);
    if (!fits) expect(r.lines[0]!.detail).toMatch(/^over: vLLM's whole fractions \+ its CUDA graphs outside them exceed the card's 102\.6 GB/);
  });

  it("a suggested memoryFraction fits when it is made, CUDA graphs included", () => {
    const awq = { runtime: "vllm", model: "llama-3.1-70b", quantization: "int4-awq", contextLength: 16384 } as const;
    const services = [
      { name: "a", ...awq, memoryFraction: 0.5 },
      { name: "b", ...awq, memoryFraction: 0.45 },
    ];
    const r = vramBudget(machine(1, services), models);
    const m = r.suggestions.join("\n").match(/b: memoryFraction: (\d\.\d+)/);
    expect(m).not.toBeNull();
    const fixed = vramBudget(machine(1, [services[0]!, { ...services[1]!, memoryFraction: Number(m![1]) }]), models);
    expect(fixed.lines.every((l) => l.ok)).toBe(true);
  });
});

describe("each GPU row: its margin and its verdict agree, and it says why", () => {
  const awq = { runtime: "vllm", model: "llama-3.1-70b", quantization: "int4-awq", contextLength: 16384 } as const;
  it.each([
    // The case that printed a positive margin marked OVER: the sum fits the two shares, b's need does not fit its own.
    ["b over its own share beside a", [{ name: "a", ...awq, memoryFraction: 0.5 }, { name: "b", ...awq, memoryFraction: 0.45 }], /^over: b needs 47\.7 GB, more than its 0\.45 share \(46\.2 GB\)/],
    ["fractions over the card", [{ name: "a", ...awq, memoryFraction: 0.6 }, { name: "b", ...awq, memoryFraction: 0.6 }], /^over: vLLM's whole fractions/],
    [
      "vLLM beside Ollama",
      [
        { name: "v", runtime: "vllm", model: "llama-3.1-8b", quantization: "bf16", contextLength: 8192 },
        { name: "o", runtime: "ollama", model: "llama-3.1-8b", quantization: "q8_0", contextLength: 8192 },
      ],
      /^over: vLLM's whole fractions \+ its CUDA graphs outside them \+ the others' needs exceed the card's/,
    ],
    ["one service that fits, the card the tighter limit", [{ name: "a", ...awq }], /^vLLM's whole fractions \+ its CUDA graphs outside them within the card's 102\.6 GB/],
    ["one service that fits, its share the tighter limit", [{ name: "a", ...awq, contextLength: 131072 }], /^a needs 85\.3 GB, within its 0\.90 share \(92\.4 GB\)/],
  ] as const)("%s", (_what, services, reason) => {
    const p = machine(1, services as unknown as ServiceInput[]);
    const r = vramBudget(p, models);
    for (const l of r.lines) expect(l.margin < 0, `${l.title}: margin ${l.margin}, ok ${l.ok}`).toBe(!l.ok);
    expect(r.lines[0]!.detail).toMatch(reason);
    const text = formatReport(checkProfile(p, "p.yaml"));
    if (!r.lines[0]!.ok) expect(text).toContain(`Why over:\n    ${r.lines[0]!.title}: over: `);
    expect(text).not.toMatch(/\+\d[\d.]* GB\s+OVER/);
  });
});
