import { RUNTIME_QUANTIZATIONS, type InferenceService, type Quantization } from "../profile/schema/inference.js";
import { fits, occupancy, variant, type FitContext } from "./vramFit.js";
import { f1, f2, memoryFraction, type Demand } from "./vramMath.js";

/**
 * The ways out of a refusal, each one checked: a smaller quantization, more GPUs, a larger
 * memory fraction, a smaller KV cache, a shorter context, fewer parallel sequences, or (for
 * llama.cpp) fewer layers on the GPU. Each is tried alone, beside the other services.
 */
export function memoryWaysOut(d: Demand, others: readonly Demand[], ctx: FitContext, ramTakenGB: number): string[] {
  const s = d.service;
  const ok = (v: Demand | undefined): v is Demand => v !== undefined && fits(v, others, ctx, ramTakenGB);
  const out: string[] = [];
  const say = (what: string) => out.push(`${s.name}: ${what}`);

  for (const q of smallerQuantizations(d)) {
    const v = variant(d, { quantization: q }, ctx);
    if (ok(v)) {
      say(`quantization: ${q} (${f1(v.weightsGB)} GB of weights) fits on the same GPU(s)`);
      break;
    }
  }

  const moved = otherGpuSet(d, others, ctx);
  const movedFits = moved !== undefined && ok(variant(d, { gpus: moved }, ctx));
  if (movedFits) say(`gpus: [${moved.join(", ")}] (the least used GPUs) fits as it is`);

  for (const gpus of movedFits ? [] : largerGpuSets(d, others, ctx)) {
    const v = variant(d, { gpus, tensorSplit: undefined }, ctx);
    if (ok(v)) {
      say(`gpus: [${gpus.join(", ")}] (${s.runtime === "vllm" ? `tensor parallel over ${gpus.length}` : `layers split over ${gpus.length}`}) fits at ${s.quantization}`);
      break;
    }
  }

  const f = memoryFraction(s);
  if (f !== undefined) {
    const need = Math.max(...d.perGpu.map((g) => g.totalGB / (ctx.slots[g.gpu]?.capacityGB ?? Infinity)));
    const wanted = Math.ceil(need * 100) / 100;
    // No fixed ceiling: the fit check leaves room for the CUDA graphs outside the fraction.
    if (wanted > f && wanted < 1) {
      const v = variant(d, { memoryFraction: wanted }, ctx);
      if (ok(v)) say(`memoryFraction: ${f2(wanted)} (vLLM's share of each GPU) fits`);
    }
  }

  const smallerKv = s.runtime === "vllm" ? "fp8" : "q8_0";
  if (s.kvCacheType === "fp16") {
    const v = variant(d, { kvCacheType: smallerKv }, ctx);
    if (ok(v)) say(`kvCacheType: ${smallerKv} (KV cache ${f1(d.kvGB)} -> ${f1(v.kvGB)} GB) fits`);
  }

  const ctxLen = largest(1024, s.contextLength - 1, 1024, (c) => ok(variant(d, { contextLength: c }, ctx)));
  if (ctxLen !== undefined) say(`contextLength: ${ctxLen} fits${s.parallel > 1 ? ` (x ${s.parallel} parallel)` : ""}`);

  if (s.parallel > 1) {
    const p = largest(1, s.parallel - 1, 1, (n) => ok(variant(d, { parallel: n }, ctx)));
    if (p !== undefined) say(`parallel: ${p} fits at the full context`);
  }

  if (s.runtime === "llama.cpp" && s.gpus.length > 0) {
    // Fewer layers on the GPUs: the most that fit there, then whether RAM holds the rest.
    const onGpus = (l: number) => {
      const v = variant(d, { gpuLayers: l }, ctx);
      return v !== undefined && fits(v, others, ctx, ramTakenGB, { ignoreRam: true });
    };
    const n = largest(0, d.gpuLayers - 1, 1, onGpus);
    if (n !== undefined) {
      const v = variant(d, { gpuLayers: n }, ctx)!;
      const rest = `${n} of ${d.model.layers} layers on the GPU(s) and ${f1(v.ram.totalGB)} GB in system RAM`;
      if (ok(v)) say(`gpuLayers: ${n} keeps ${rest} (at most ${f1(v.ceilingTokS)} tok/s)`);
      else say(`gpuLayers: ${n} would keep ${rest}, more than the ${f1(ctx.ram.availableGB - ramTakenGB)} GB free for it`);
    }
  }
  return out;
}

/**
 * Ways to reach a throughput the service must have: layouts that keep every weight in VRAM
 * (more GPUs, a smaller quantization), with their ceilings. Returns the best ceiling tried.
 */
export function speedWaysOut(d: Demand, target: number, others: readonly Demand[], ctx: FitContext, ramTakenGB: number): string[] {
  const s = d.service;
  const out: string[] = [];
  if (d.ram.weightsGB > 0) {
    out.push(`${s.name}: ${target} tok/s with ${f1(d.ram.weightsGB)} GB of weights in system RAM needs ${f1(target * d.ram.weightsGB)} GB/s of RAM bandwidth; this machine has ${f1(ctx.ram.bandwidthGBs)} GB/s`);
  }
  const quants = [d.service.quantization, ...smallerQuantizations(d)];
  for (const q of quants) {
    for (const gpus of [s.gpus, ...largerGpuSets(d, others, ctx)]) {
      if (gpus.length === 0) continue;
      const v = variant(d, { quantization: q, gpus, tensorSplit: undefined, gpuLayers: undefined }, ctx);
      if (v && fits(v, others, ctx, ramTakenGB) && v.ceilingTokS >= target) {
        out.push(`${s.name}: all of it in VRAM reaches the target: quantization: ${q}, gpus: [${gpus.join(", ")}] (at most ${f1(v.ceilingTokS)} tok/s)`);
        return out;
      }
    }
  }
  if (s.runtime !== "vllm") {
    // llama.cpp runs split layers one GPU after another; vLLM's tensor parallelism reads them at once.
    for (const q of ["int4-awq", "int4-gptq"] as const) {
      for (const n of [2, 4, 8].filter((k) => k <= ctx.slots.length)) {
        const gpus = ctx.slots.map((x) => x.index).slice(0, n);
        const v = variant(d, { runtime: "vllm", quantization: q, gpus, tensorSplit: undefined, gpuLayers: undefined, kvCacheType: "fp16" }, ctx);
        if (v && fits(v, others, ctx, ramTakenGB) && v.ceilingTokS >= target) {
          out.push(`${s.name}: vLLM at ${q}, tensor parallel over gpus: [${gpus.join(", ")}], reaches it (at most ${f1(v.ceilingTokS)} tok/s)`);
          return out;
        }
      }
    }
  }
  out.push(`${s.name}: no layout of this machine's ${ctx.slots.length} GPU(s) holds ${d.model.name} in VRAM fast enough for ${target} tok/s`);
  return out;
}

/** The runtime's quantizations the model has, smaller than the current one, largest first. */
function smallerQuantizations(d: Demand): Quantization[] {
  const bpw = d.model.bitsPerWeight;
  return RUNTIME_QUANTIZATIONS[d.service.runtime]
    .filter((q) => bpw[q] !== undefined && bpw[q] < d.bitsPerWeight)
    .sort((a, b) => bpw[b]! - bpw[a]!)
    .filter((q, i, all) => i === 0 || bpw[q] !== bpw[all[i - 1]!]);
}

/** GPU sets larger than the service's own: its GPUs first, then the least occupied. vLLM: 2, 4 or 8 GPUs. */
function largerGpuSets(d: Demand, others: readonly Demand[], ctx: FitContext): number[][] {
  const s: InferenceService = d.service;
  const total = ctx.slots.length;
  const sizes = s.runtime === "vllm" ? [2, 4, 8] : Array.from({ length: total }, (_, i) => i + 1);
  const taken = (g: number) => others.reduce((a, o) => a + occupancy(o, g, ctx.slots), 0);
  const rest = ctx.slots.map((x) => x.index).filter((g) => !s.gpus.includes(g)).sort((a, b) => taken(a) - taken(b) || a - b);
  return sizes.filter((n) => n > s.gpus.length && n <= total).map((n) => [...s.gpus, ...rest].slice(0, n).sort((a, b) => a - b));
}

/** As many GPUs as the service has now, none of them its own: the least occupied. */
function otherGpuSet(d: Demand, others: readonly Demand[], ctx: FitContext): number[] | undefined {
  const s = d.service;
  const taken = (g: number) => others.reduce((a, o) => a + occupancy(o, g, ctx.slots), 0);
  const rest = ctx.slots.map((x) => x.index).filter((g) => !s.gpus.includes(g)).sort((a, b) => taken(a) - taken(b) || a - b);
  if (s.gpus.length === 0 || rest.length < s.gpus.length) return undefined;
  return rest.slice(0, s.gpus.length).sort((a, b) => a - b);
}

/** The largest value in [lo, hi] on a `step` grid for which `ok` holds, given `ok` is monotone (true below some point). */
function largest(lo: number, hi: number, step: number, ok: (n: number) => boolean): number | undefined {
  let a = Math.ceil(lo / step);
  let b = Math.floor(hi / step);
  if (b < a || !ok(a * step)) return undefined;
  while (a < b) {
    const mid = Math.ceil((a + b) / 2);
    if (ok(mid * step)) a = mid;
    else b = mid - 1;
  }
  return a * step;
}
