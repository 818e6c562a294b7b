import type { Profile } from "../profile/schema/profile.js";
import type { InferenceService, ModelSpec } from "../profile/schema/inference.js";
import { suggestion } from "../profile/problems.js";
import { line, type BudgetLine, type BudgetResult } from "./types.js";
import { demand, f0, f1, f2, gpuSlots, kvBytesPerToken, memoryFraction, ramFacts, type Demand, type GpuSlot, type RamFacts } from "./vramMath.js";
import { fits, layoutProblem, occupancy, type FitContext } from "./vramFit.js";
import { memoryWaysOut, speedWaysOut } from "./vramSuggest.js";

/** The models of profiles/catalog/models.yaml, by key (loadModels in ./vramModels.ts reads them). */
export type ModelCatalog = ReadonlyMap<string, ModelSpec>;

const EPS = 1e-6;

/**
 * The VRAM budget: every inference service's weights, KV cache and runtime overhead against
 * the GPUs it is given (within vLLM's memory fraction; services sharing a GPU must fit
 * together), the part llama.cpp offloads against system RAM, and the decode-speed ceiling
 * that memory bandwidth allows. One line per GPU, one per RAM offload, one per throughput a
 * service requires; a service the catalog cannot size gets a refusing line of its own.
 * Pure: the catalog comes in as an argument.
 */
export function vramBudget(profile: Profile, models: ModelCatalog): BudgetResult {
  const services = profile.inference.services;
  if (services.length === 0) return { lines: [], suggestions: [], notes: [] };
  const slots = gpuSlots(profile.hardware);
  const ram = ramFacts(profile.hardware, profile.inference.ramReserveGB);
  const ctx: FitContext = { slots, ram };
  const lines: BudgetLine[] = [];
  const suggestions: string[] = [];
  /** [service, what is said of it]: services that get the same sentence share one note. */
  const notes: [string, string][] = [];

  const demands: Demand[] = [];
  for (const s of services) {
    const model = models.get(s.model);
    if (!model) {
      const known = [...models.keys()];
      lines.push(unsized(s, `unknown model "${s.model}"${suggestion(s.model, known)} (profiles/catalog/models.yaml knows ${known.join(", ")})`));
      continue;
    }
    const bpw = model.bitsPerWeight[s.quantization];
    if (bpw === undefined) {
      lines.push(unsized(s, `the catalog has no ${s.quantization} figure for ${model.name} (it lists ${Object.keys(model.bitsPerWeight).join(", ")})`));
      continue;
    }
    const layout = layoutProblem(s, model);
    if (layout) lines.push(unsized(s, layout));
    if (s.contextLength > model.maxContext) {
      lines.push(unsized(s, `contextLength ${s.contextLength} is beyond what ${model.name} was trained for (${model.maxContext})`, "context"));
      suggestions.push(`${s.name}: contextLength: ${model.maxContext} or less`);
    }
    demands.push(demand(s, model, bpw, slots, ram));
  }

  const over = new Set<Demand>();
  for (const slot of slots) {
    const gl = gpuLine(slot, demands, slots);
    lines.push(gl.line);
    gl.culprits.forEach((d) => over.add(d));
  }

  const offloads = demands.filter((d) => d.ram.totalGB > 0);
  const ramTotal = offloads.reduce((a, d) => a + d.ram.totalGB, 0);
  for (const d of offloads) {
    const others = ramTotal - d.ram.totalGB;
    const l = line({
      id: `vram-ram-${d.service.name}`,
      group: "vram",
      title: `${d.service.name}: layers offloaded to system RAM`,
      load: d.ram.totalGB,
      limit: ram.availableGB - others,
      unit: "GB",
      detail:
        `${d.ram.layers} of ${d.model.layers} layers: ${f1(d.ram.weightsGB)} GB weights + ${f1(d.ram.kvGB)} GB KV; ` +
        `RAM ${ram.describe}, less ${f1(ram.reserveGB)} GB for the OS${others > 0 ? ` and ${f1(others)} GB other offloads` : ""}`,
    });
    lines.push(l);
    if (!l.ok) over.add(d);
  }

  for (const d of demands) {
    const s = d.service;
    notes.push([s.name, `at most ${f1(d.ceilingTokS)} tok/s at batch 1 (${d.ceilingDetail})`]);
    const f = memoryFraction(s);
    if (f !== undefined && !over.has(d)) {
      const first = d.perGpu[0];
      const cap = first ? (slots[first.gpu]?.capacityGB ?? 0) : 0;
      const pool = first ? f * cap - first.weightsGB - first.overheadGB : 0;
      const perToken = kvBytesPerToken(d.model, s.kvCacheType) / (d.model.mla ? 1 : Math.min(d.perGpu.length, d.model.kvHeads)) / 1e9;
      if (pool > 0 && perToken > 0) {
        const tokens = pool / perToken;
        notes.push([
          s.name,
          `vLLM gives the rest of its ${f2(f)} share to the KV cache: ~${f1(pool)} GB per GPU, ~${f0(tokens / 1000)}K tokens ` +
            `(${f1(tokens / s.contextLength)} sequences at ${s.contextLength})`,
        ]);
      }
    }
  }

  for (const d of over) {
    const others = demands.filter((o) => o !== d);
    const needed = d.weightsGB + d.kvGB + d.perGpu.reduce((a, g) => a + g.overheadGB, 0);
    suggestions.push(
      `${d.service.name}: ${d.model.name} at ${d.service.quantization} needs ${f1(d.weightsGB)} GB of weights + ${f1(d.kvGB)} GB of KV cache ` +
        `(${d.service.contextLength} tokens x ${d.service.parallel}) = ${f1(needed)} GB with the runtime, across ${describeGpus(d, slots)}${d.ram.totalGB > 0 ? ` and ${f1(d.ram.totalGB)} GB of RAM` : ""}`,
    );
    const ways = memoryWaysOut(d, others, ctx, ramTotal - d.ram.totalGB);
    suggestions.push(...(ways.length > 0 ? ways : [`${d.service.name}: none of the changes aiws tries (quantization, GPUs, KV cache, context, layers) makes it fit here; choose a smaller model`]));
    const sharers = others.filter((o) => o.perGpu.some((g) => d.perGpu.some((h) => h.gpu === g.gpu)));
    if (sharers.length > 0 && fits(d, [], ctx, ramTotal - d.ram.totalGB)) {
      const free = slots.filter((x) => !demands.some((o) => o.perGpu.some((g) => g.gpu === x.index))).map((x) => x.index);
      suggestions.push(
        `${d.service.name}: fits on its GPU(s) alone but not beside ${sharers.map((o) => o.service.name).join(", ")}` +
          (free.length > 0 ? `; GPU(s) ${free.join(", ")} are free` : "; give each service on the GPU a memoryFraction that covers its need, or move one"),
      );
    }
  }

  for (const d of demands) {
    const s = d.service;
    if (s.minTokensPerSecond !== undefined) {
      const l = line({
        id: `vram-speed-${s.name}`,
        group: "vram",
        title: `${s.name}: decode speed the profile requires`,
        load: s.minTokensPerSecond,
        limit: d.ceilingTokS,
        unit: "tok/s",
        detail: `${over.has(d) ? "if the layout fitted, " : ""}ceiling at batch 1: ${d.ceilingDetail}`,
      });
      lines.push(l);
      if (!l.ok) {
        const others = demands.filter((o) => o !== d);
        suggestions.push(...speedWaysOut(d, s.minTokensPerSecond, others, ctx, ramTotal - d.ram.totalGB));
      }
    }
  }

  return { lines, suggestions: dedupe(suggestions), notes: mergeNotes(notes) };
}

/**
 * One GPU: the services on it against the memory the driver exposes. Two limits apply: each
 * vLLM service's weights + KV + runtime within its own fraction, and everything on the card
 * (vLLM's whole fractions, its CUDA graphs outside them, the others' needs) within the card.
 * The row shows whichever is tighter, so its margin and its verdict always agree, and its
 * detail says which one it is.
 */
function gpuLine(slot: GpuSlot, demands: readonly Demand[], slots: readonly GpuSlot[]): { line: BudgetLine; culprits: Demand[] } {
  const cap = slot.capacityGB;
  const on = demands.filter((d) => d.perGpu.some((g) => g.gpu === slot.index));
  const shareOf = (d: Demand) => d.perGpu.find((g) => g.gpu === slot.index)!;
  const cardLoad = on.reduce((a, d) => a + occupancy(d, slot.index, slots), 0);
  type Bound = { load: number; limit: number; reason: (over: boolean) => string; culprits: Demand[] };
  const bounds: Bound[] = [
    {
      load: cardLoad,
      limit: cap,
      culprits: on,
      reason: (over) =>
        on.some((d) => memoryFraction(d.service) !== undefined)
          ? `${over ? "over: " : ""}vLLM's whole fractions + its CUDA graphs outside them${on.some((d) => memoryFraction(d.service) === undefined) ? " + the others' needs" : ""} ${over ? "exceed" : "within"} the card's ${f1(cap)} GB`
          : `${over ? "over: " : ""}what the services need ${over ? "exceeds" : "within"} the card's ${f1(cap)} GB`,
    },
    ...on.flatMap((d): Bound[] => {
      const f = memoryFraction(d.service);
      if (f === undefined) return [];
      return [
        {
          load: shareOf(d).totalGB,
          limit: f * cap,
          culprits: [d],
          reason: (over) => `${over ? "over: " : ""}${d.service.name} needs ${f1(shareOf(d).totalGB)} GB, ${over ? "more than" : "within"} its ${f2(f)} share (${f1(f * cap)} GB)`,
        },
      ];
    }),
  ];
  const tight = on.length === 0 ? bounds[0]! : bounds.reduce((a, b) => (b.limit - b.load < a.limit - a.load - EPS ? b : a));
  const ok = on.length === 0 || bounds.every((b) => b.load <= b.limit + EPS);

  const parts = on.map((d) => {
    const g = shareOf(d);
    const f = memoryFraction(d.service);
    const split = d.perGpu.length > 1 ? ` (1/${d.perGpu.length} of it)` : "";
    return (
      `${d.service.name} ${d.service.quantization}${split}: ${f1(g.weightsGB)} weights + ${f1(g.kvGB)} KV + ${f1(g.overheadGB)} runtime = ${f1(g.totalGB)} GB` +
      (f !== undefined ? ` of its ${f2(f)} x ${f1(cap)} = ${f1(f * cap)} GB, + ${f1(g.outsideGB)} GB of CUDA graphs outside it` : "")
    );
  });
  const card = slot.usableMiB !== undefined ? `${slot.usableMiB} MiB usable (${slot.vramGiB} GiB nominal) = ${f1(cap)} GB` : `${slot.vramGiB} GiB = ${f1(cap)} GB`;
  const detail = on.length === 0 ? `no service; card ${card}` : `${tight.reason(!ok)}; ${parts.join("; ")}; card ${card}`;
  const title = on.length === 0 ? `GPU ${slot.index}` : `GPU ${slot.index}: ${on.map((d) => d.service.name).join(" + ")}`;
  // Those over their own fraction are the ones to change; otherwise all that share the card.
  const overOwn = bounds.slice(1).filter((b) => b.load > b.limit + EPS).flatMap((b) => b.culprits);
  const culprits = ok ? [] : overOwn.length > 0 ? overOwn : on;
  return { line: line({ id: `vram-gpu${slot.index}`, group: "vram", title, load: tight.load, limit: tight.limit, unit: "GB", detail, ok }), culprits };
}

function unsized(s: InferenceService, detail: string, what = "model"): BudgetLine {
  return line({ id: `vram-${what}-${s.name}`, group: "vram", title: `${s.name}: ${s.model} at ${s.quantization}`, load: 0, limit: 0, unit: "GB", detail, ok: false });
}

function describeGpus(d: Demand, slots: readonly GpuSlot[]): string {
  const n = d.perGpu.length;
  if (n === 0) return "no GPU";
  const f = memoryFraction(d.service);
  const cap = slots[d.perGpu[0]!.gpu]?.capacityGB ?? 0;
  const each = f !== undefined ? `${f2(f)} x ${f1(cap)} = ${f1(f * cap)} GB` : `${f1(cap)} GB`;
  return `${n} GPU(s) of ${each} each (${f1(n * (f ?? 1) * cap)} GB)`;
}

/** One note per sentence, naming every service it is true of, in first-seen order. */
function mergeNotes(notes: readonly [string, string][]): string[] {
  const by = new Map<string, string[]>();
  for (const [who, what] of notes) by.set(what, [...(by.get(what) ?? []), who]);
  return [...by].map(([what, who]) => `${who.join(", ")}: ${what}`);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

export type { Demand, GpuSlot, RamFacts };
