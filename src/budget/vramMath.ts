import type { Hardware } from "../profile/schema/hardware.js";
import {
  DEFAULT_VLLM_MEMORY_FRACTION,
  KV_CACHE_BYTES,
  type InferenceService,
  type KvCacheType,
  type ModelSpec,
} from "../profile/schema/inference.js";

/**
 * The VRAM formulas (docs/inference.md, "What the budget computes", says them in words; the
 * model figures and their sources are in profiles/catalog/models.yaml), pure. Sizes are GB (10^9 bytes) like model files; a card's and a DIMM's
 * capacity is binary (96 GiB, 32 GiB) and converted.
 */

export const GB = 1e9;
const GIB = 2 ** 30;
const MIB = 2 ** 20;

/**
 * What a runtime holds on each GPU beyond weights and KV cache (derived, rounded up). vLLM:
 * inside its memory fraction, the activations of a forward pass at its largest batch (1-2 GB)
 * and the CUDA context and NCCL buffers (~1 GB); outside it, the CUDA graphs it captures after
 * the KV cache has taken the rest of the fraction (~1 GB, budgeted 1.5). llama.cpp (and
 * Ollama, which runs it) has no fraction: the CUDA context (~0.5 GB) and a compute buffer
 * (~1 GB at the default 512-token micro-batch with flash attention).
 */
const RUNTIME_MEMORY_GB: Readonly<Record<InferenceService["runtime"], { readonly inside: number; readonly outside: number }>> = {
  vllm: { inside: 2.5, outside: 1.5 },
  ollama: { inside: 1.5, outside: 0 },
  "llama.cpp": { inside: 1.5, outside: 0 },
};

/** One GPU of the profile, in nvidia-smi order (the `hardware.gpus` entries, each `count` times). */
export interface GpuSlot {
  readonly index: number;
  readonly name: string;
  /** What the driver exposes, GB: the catalog's usableVramMiB, else the nominal size. */
  readonly capacityGB: number;
  readonly vramGiB: number;
  readonly usableMiB?: number;
  readonly bandwidthGBs: number;
}

export function gpuSlots(hw: Hardware): GpuSlot[] {
  const out: GpuSlot[] = [];
  for (const g of hw.gpus) {
    for (let i = 0; i < g.count; i++) {
      const bytes = g.usableVramMiB !== undefined ? g.usableVramMiB * MIB : g.vramGiB * GIB;
      out.push({ index: out.length, name: g.name, vramGiB: g.vramGiB, usableMiB: g.usableVramMiB, capacityGB: bytes / GB, bandwidthGBs: g.memoryBandwidthGBs });
    }
  }
  return out;
}

/** System RAM: modules x size (GiB) and its bandwidth, channels populated x MT/s x 8 bytes. */
export interface RamFacts {
  readonly totalGB: number;
  readonly reserveGB: number;
  readonly availableGB: number;
  readonly channels: number;
  readonly bandwidthGBs: number;
  readonly describe: string;
}

export function ramFacts(hw: Hardware, reserveGB: number): RamFacts {
  const m = hw.memory;
  const totalGB = (m.modules * m.moduleGB * GIB) / GB;
  // One DIMM per channel until every channel has one; more DIMMs share channels.
  const channels = Math.min(m.modules, hw.cpu.memoryChannels);
  const bandwidthGBs = (channels * m.speedMTs * 8) / 1000;
  return {
    totalGB,
    reserveGB,
    availableGB: Math.max(0, totalGB - reserveGB),
    channels,
    bandwidthGBs,
    describe: `${m.modules} x ${m.moduleGB} GiB = ${f1(totalGB)} GB, ${channels} of ${hw.cpu.memoryChannels} channels at ${m.speedMTs} MT/s = ${f1(bandwidthGBs)} GB/s`,
  };
}

export function weightsGB(model: ModelSpec, bitsPerWeight: number): number {
  return (model.paramsB * 1e9 * bitsPerWeight) / 8 / GB;
}

/** Bytes of KV cache one token takes in all layers: 2 x layers x KV heads x head dim x bytes, or MLA's one latent per layer. */
export function kvBytesPerToken(model: ModelSpec, kv: KvCacheType): number {
  const bytes = KV_CACHE_BYTES[kv];
  if (model.mla) return model.layers * (model.mla.kvLoraRank + model.mla.ropeHeadDim) * bytes;
  return 2 * model.layers * model.kvHeads * model.headDim * bytes;
}

/** The part of the weights one decoded token reads: all of a dense model, the active share of a mixture of experts. */
function activeShare(model: ModelSpec): number {
  return model.activeParamsB !== undefined ? model.activeParamsB / model.paramsB : 1;
}

export function memoryFraction(s: InferenceService): number | undefined {
  return s.runtime === "vllm" ? (s.memoryFraction ?? DEFAULT_VLLM_MEMORY_FRACTION) : undefined;
}

interface GpuShare {
  readonly gpu: number;
  readonly weightsGB: number;
  readonly kvGB: number;
  /** The runtime's memory inside vLLM's fraction (all of it for the others). */
  readonly overheadGB: number;
  /** The runtime's memory outside vLLM's fraction (CUDA graphs); 0 for the others. */
  readonly outsideGB: number;
  /** Weights + KV + the runtime inside the fraction: what must fit the fraction (or the card). */
  readonly totalGB: number;
}

/** Where one service's memory goes: per GPU, and the part llama.cpp leaves in system RAM. */
export interface Demand {
  readonly service: InferenceService;
  readonly model: ModelSpec;
  readonly bitsPerWeight: number;
  readonly weightsGB: number;
  readonly kvGB: number;
  readonly perGpu: readonly GpuShare[];
  /** Layers on the GPUs (all of them for vLLM and Ollama). */
  readonly gpuLayers: number;
  readonly ram: { readonly layers: number; readonly weightsGB: number; readonly kvGB: number; readonly totalGB: number };
  /** Decode at batch 1 is bound by reading the weights once per token: tokens/s at most this. */
  readonly ceilingTokS: number;
  /** How the ceiling was reached, for people. */
  readonly ceilingDetail: string;
}

/**
 * The demand of one service on the GPUs it lists. vLLM: tensor parallel, weights and KV heads
 * split evenly (an MLA latent cache is whole on every rank). llama.cpp and Ollama: layers
 * split by --tensor-split (even by default), the first `gpuLayers` on GPUs, the rest in RAM.
 */
export function demand(s: InferenceService, model: ModelSpec, bitsPerWeight: number, slots: readonly GpuSlot[], ram: RamFacts): Demand {
  const w = weightsGB(model, bitsPerWeight);
  const kv = (kvBytesPerToken(model, s.kvCacheType) * s.contextLength * s.parallel) / GB;
  const runtime = RUNTIME_MEMORY_GB[s.runtime];
  const gpus = s.gpus.filter((g) => g < slots.length);
  const n = gpus.length;
  const active = activeShare(model);
  const bw = (g: number) => slots[g]?.bandwidthGBs ?? 1;

  if (s.runtime === "vllm") {
    // Each rank holds at least one KV head: past the model's KV heads vLLM replicates them.
    const perGpu = gpus.map((gpu) => share(gpu, w / n, model.mla ? kv : kv / Math.min(n, model.kvHeads), runtime));
    const perToken = (w * active) / n;
    const ceiling = n === 0 ? 0 : Math.min(...gpus.map((g) => bw(g) / perToken));
    return {
      service: s,
      model,
      bitsPerWeight,
      weightsGB: w,
      kvGB: kv,
      perGpu,
      gpuLayers: model.layers,
      ram: { layers: 0, weightsGB: 0, kvGB: 0, totalGB: 0 },
      ceilingTokS: ceiling,
      ceilingDetail:
        `${f1(perToken)} GB${active < 1 ? " (active experts)" : ""} read per token` +
        (n > 1 ? ` from each of ${n} GPUs at ${f0(bw(gpus[0]!))} GB/s, in parallel` : ` at ${f0(bw(gpus[0] ?? 0))} GB/s`),
    };
  }

  const layersOnGpu = n === 0 ? 0 : Math.min(s.runtime === "llama.cpp" ? (s.gpuLayers ?? model.layers) : model.layers, model.layers);
  const onGpu = layersOnGpu / model.layers;
  const split = s.tensorSplit && s.tensorSplit.length === s.gpus.length ? s.gpus.map((g, i) => [g, s.tensorSplit![i]!] as const).filter(([g]) => g < slots.length) : gpus.map((g) => [g, 1] as const);
  const splitSum = split.reduce((a, [, p]) => a + p, 0);
  const perGpu = split.map(([gpu, p]) => share(gpu, (w * onGpu * p) / splitSum, (kv * onGpu * p) / splitSum, runtime));
  const ramW = w * (1 - onGpu);
  const ramKv = kv * (1 - onGpu);
  // Layers run one after another: each device's bytes at its own bandwidth.
  const seconds = perGpu.reduce((t, g) => t + (g.weightsGB * active) / bw(g.gpu), 0) + (ramW * active) / ram.bandwidthGBs;
  const parts = [
    ...(perGpu.length ? [`${f1(perGpu.reduce((a, g) => a + g.weightsGB, 0) * active)} GB from VRAM at ${f0(bw(perGpu[0]!.gpu))} GB/s`] : []),
    ...(ramW > 0 ? [`${f1(ramW * active)} GB from RAM at ${f1(ram.bandwidthGBs)} GB/s`] : []),
  ];
  return {
    service: s,
    model,
    bitsPerWeight,
    weightsGB: w,
    kvGB: kv,
    perGpu,
    gpuLayers: layersOnGpu,
    ram: { layers: model.layers - layersOnGpu, weightsGB: ramW, kvGB: ramKv, totalGB: ramW + ramKv },
    ceilingTokS: seconds > 0 ? 1 / seconds : 0,
    ceilingDetail: `${parts.join(" + ")} per token${active < 1 ? " (active experts)" : ""}`,
  };
}

function share(gpu: number, weights: number, kv: number, runtime: { inside: number; outside: number }): GpuShare {
  return { gpu, weightsGB: weights, kvGB: kv, overheadGB: runtime.inside, outsideGB: runtime.outside, totalGB: weights + kv + runtime.inside };
}

/** 1 decimal, for details. */
export function f1(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

export function f0(n: number): string {
  return String(Math.round(n));
}

export function f2(n: number): string {
  return (Math.round(n * 100) / 100).toFixed(2);
}
