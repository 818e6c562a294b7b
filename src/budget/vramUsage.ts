import type { Profile } from "../profile/schema/profile.js";
import type { ModelCatalog } from "./vram.js";
import { demand, gpuSlots, memoryFraction, ramFacts, type GpuSlot } from "./vramMath.js";

/** What one service holds on one GPU, for the pictures: the parts the VRAM budget adds up. */
interface GpuPart {
  readonly service: string;
  readonly weightsGB: number;
  readonly kvGB: number;
  /** The runtime inside vLLM's fraction (all of it for the others). */
  readonly runtimeGB: number;
  /** vLLM's CUDA graphs, outside its fraction. */
  readonly graphsGB: number;
  /** vLLM: the rest of its fraction, which its KV pool takes at start-up. */
  readonly poolGB: number;
  readonly fraction?: number;
}

export interface GpuUsage {
  readonly slot: GpuSlot;
  readonly parts: readonly GpuPart[];
}

/** Each GPU of the profile with what every service the catalog can size holds on it. */
export function gpuUsage(profile: Profile, models: ModelCatalog): GpuUsage[] {
  const slots = gpuSlots(profile.hardware);
  const ram = ramFacts(profile.hardware, profile.inference.ramReserveGB);
  const demands = profile.inference.services.flatMap((s) => {
    const model = models.get(s.model);
    const bpw = model?.bitsPerWeight[s.quantization];
    return model && bpw !== undefined ? [demand(s, model, bpw, slots, ram)] : [];
  });
  return slots.map((slot) => ({
    slot,
    parts: demands.flatMap((d) => {
      const g = d.perGpu.find((x) => x.gpu === slot.index);
      if (!g) return [];
      const f = memoryFraction(d.service);
      return [
        {
          service: d.service.name,
          weightsGB: g.weightsGB,
          kvGB: g.kvGB,
          runtimeGB: g.overheadGB,
          graphsGB: g.outsideGB,
          poolGB: f !== undefined ? Math.max(0, f * slot.capacityGB - g.totalGB) : 0,
          ...(f !== undefined ? { fraction: f } : {}),
        },
      ];
    }),
  }));
}
