import type { InferenceService, ModelSpec } from "../profile/schema/inference.js";
import { demand, memoryFraction, type Demand, type GpuSlot, type RamFacts } from "./vramMath.js";

/**
 * Whether a layout fits: the rules the budget's lines apply, as one predicate, so the
 * suggestions can try alternatives (a smaller quantization, more GPUs, a shorter context)
 * against exactly what the lines would say.
 */

export interface FitContext {
  readonly slots: readonly GpuSlot[];
  readonly ram: RamFacts;
}

/** Rounding slack, so a layout that fits to the last digit is not refused by float error. */
const EPS = 1e-6;

/**
 * What a service takes of one GPU: vLLM its whole fraction (the KV pool fills it) and the
 * CUDA graphs it captures outside it, the others what they need.
 */
export function occupancy(d: Demand, gpu: number, slots: readonly GpuSlot[]): number {
  const share = d.perGpu.find((g) => g.gpu === gpu);
  if (!share) return 0;
  const f = memoryFraction(d.service);
  return f !== undefined ? f * (slots[gpu]?.capacityGB ?? 0) + share.outsideGB : share.totalGB;
}

/** Why a layout cannot run at all, whatever the memory: vLLM splits attention heads evenly over its GPUs. */
export function layoutProblem(s: InferenceService, model: ModelSpec): string | undefined {
  if (s.runtime !== "vllm") return undefined;
  const n = s.gpus.length;
  if (n > 0 && model.attentionHeads % n !== 0) {
    return `vLLM splits the ${model.attentionHeads} attention heads of ${model.name} evenly: ${n} GPUs do not divide them (use 1, 2, 4 or 8)`;
  }
  if (n > 0 && !model.mla && model.kvHeads % n !== 0 && n % model.kvHeads !== 0) {
    return `vLLM needs the ${model.kvHeads} KV heads of ${model.name} to split evenly over ${n} GPUs`;
  }
  return undefined;
}

/** Does `d` fit beside `others` (already placed), on the GPUs and in the RAM left to it? */
export function fits(d: Demand, others: readonly Demand[], ctx: FitContext, ramTakenGB = 0, opts: { ignoreRam?: boolean } = {}): boolean {
  if (layoutProblem(d.service, d.model)) return false;
  if (d.service.contextLength > d.model.maxContext) return false;
  for (const share of d.perGpu) {
    const cap = ctx.slots[share.gpu]?.capacityGB ?? 0;
    const taken = others.reduce((a, o) => a + occupancy(o, share.gpu, ctx.slots), 0);
    const f = memoryFraction(d.service);
    if (f !== undefined) {
      if (share.totalGB > f * cap + EPS || f * cap + share.outsideGB + taken > cap + EPS) return false;
    } else if (share.totalGB + taken > cap + EPS) return false;
  }
  return opts.ignoreRam === true || d.ram.totalGB <= ctx.ram.availableGB - ramTakenGB + EPS;
}

/** The same service with some settings changed, or undefined when the model has no such quantization. */
export function variant(d: Demand, patch: Partial<InferenceService>, ctx: FitContext): Demand | undefined {
  const s: InferenceService = { ...d.service, ...patch };
  const bpw = d.model.bitsPerWeight[s.quantization];
  return bpw === undefined ? undefined : demand(s, d.model, bpw, ctx.slots, ctx.ram);
}
