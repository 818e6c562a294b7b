import { loadCatalog, DEFAULT_CATALOG_DIR } from "../profile/catalog.js";
import { psuSpecSchema, type Hardware, type PsuSpec } from "../profile/schema/hardware.js";
import type { BudgetConfig } from "../profile/schema/profile.js";
import { powerLines } from "./power.js";
import type { PowerLoads } from "./powerLoads.js";
import type { BudgetLine } from "./types.js";

/**
 * The ways out of a power refusal. Each is a change to the hardware (a per-GPU power limit, a
 * PSU from the catalog, a circuit a home or office has, a UPS), tried alone and then combined,
 * and run through every power line before it is offered: nothing is printed that does not fit.
 * Only parts that exist are offered: the catalog's PSUs (no "3100 W ATX unit") and 15 or 20 A
 * circuits.
 */

export interface CatalogPsu {
  readonly key: string;
  readonly spec: PsuSpec;
}

interface PowerChange {
  /** One limit for every GPU (capped at each card's maximum). */
  readonly gpuLimitW?: number;
  /** A PPT cap for the CPU, set in the BIOS. */
  readonly cpuCapW?: number;
  readonly psu?: CatalogPsu;
  readonly circuit?: { readonly volts: Hardware["circuit"]["volts"]; readonly amps: number };
  readonly upsW?: number;
}

export interface PowerWayOut {
  readonly change: PowerChange;
  readonly text: string;
  /** The power lines with the change made: every one fits. */
  readonly lines: readonly BudgetLine[];
  readonly loads: PowerLoads;
}

/** The catalog's PSUs, the parts a PSU way out may name. */
export function catalogPsus(dir: string = DEFAULT_CATALOG_DIR): CatalogPsu[] {
  const { catalog } = loadCatalog(dir);
  if (!catalog) return [];
  return [...catalog.entries.psus].map(([key, raw]) => ({ key, spec: psuSpecSchema.parse(raw) }));
}

/** The hardware with a change made, as the budget would see it after the owner makes it. */
export function applyPowerChange(hw: Hardware, c: PowerChange): Hardware {
  return {
    ...hw,
    cpu: c.cpuCapW === undefined ? hw.cpu : { ...hw.cpu, pptCapW: c.cpuCapW },
    gpus: c.gpuLimitW === undefined ? hw.gpus : hw.gpus.map((g) => ({ ...g, powerLimitW: Math.min(c.gpuLimitW!, g.powerLimitRangeW.max) })),
    psu: c.psu ? { ...c.psu.spec, model: c.psu.key } : hw.psu,
    circuit: c.circuit ? { ...hw.circuit, ...c.circuit } : hw.circuit,
    ups: c.upsW !== undefined ? { ...hw.ups, watts: c.upsW } : hw.ups,
  };
}

/**
 * Circuits a home or office has, larger than the profile's: 15 and 20 A at its mains voltage,
 * and where mains is 100-127 V a 240 V circuit (NEMA 6-15 / 6-20) too. Above 20 A the outlet
 * no longer takes a PC's cord.
 */
export function largerCircuits(c: Hardware["circuit"]): { volts: Hardware["circuit"]["volts"]; amps: number }[] {
  const options: { volts: Hardware["circuit"]["volts"]; amps: number }[] =
    c.volts < 200
      ? [{ volts: c.volts, amps: 15 }, { volts: c.volts, amps: 20 }, { volts: 240, amps: 15 }, { volts: 240, amps: 20 }]
      : [{ volts: c.volts, amps: 16 }, ...(c.volts === 230 ? [] : [{ volts: c.volts, amps: 20 }])];
  return options.filter((o) => o.volts * o.amps > c.volts * c.amps).sort((a, b) => a.volts * a.amps - b.volts * b.amps);
}

type Dim = "gpu" | "cpu" | "psu" | "circuit";
const DIMS: readonly Dim[] = ["gpu", "cpu", "psu", "circuit"];
/** Least change first: nothing but a UPS, one change alone, then two together, and so on. */
const SUBSETS: readonly (readonly Dim[])[] = Array.from({ length: 2 ** DIMS.length }, (_, m) => DIMS.filter((_, i) => m & (1 << i))).sort((a, b) => a.length - b.length);

/** CPU PPT caps tried, 10 W apart, down to the CPU's typical draw (lower starves the GPUs' feeders). */
function cpuCaps(cpu: Hardware["cpu"]): number[] {
  const now = Math.min(cpu.draw.peak, cpu.pptCapW ?? Infinity);
  const out: number[] = [];
  for (let w = Math.ceil(now / 10) * 10 - 10; w >= cpu.draw.typical; w -= 10) out.push(w);
  return out;
}

export function powerWaysOut(hw: Hardware, budget: BudgetConfig, psus: readonly CatalogPsu[]): { waysOut: PowerWayOut[]; remarks: string[] } {
  const floor = hw.gpus.length > 0 ? Math.max(...hw.gpus.map((g) => g.powerLimitRangeW.min)) : 0;
  const ceiling = hw.gpus.length > 0 ? Math.max(...hw.gpus.map((g) => g.powerLimitW ?? g.tdpW)) : 0;
  const psuOptions = psus.filter((p) => p.spec.name !== hw.psu.name).sort((a, b) => a.spec.ratedW - b.spec.ratedW || b.spec.native12v2x6 - a.spec.native12v2x6);
  const circuitOptions = largerCircuits(hw.circuit);
  const upsOver = powerLines(hw, budget).lines.some((l) => l.id === "ups" && !l.ok);

  /** The change with a UPS that carries the new peak added when the UPS line is still over, and whether it all fits. */
  const attempt = (c: PowerChange): PowerWayOut | undefined => {
    let change = c;
    let r = powerLines(applyPowerChange(hw, change), budget);
    const ups = r.lines.find((l) => l.id === "ups");
    if (ups && !ups.ok && upsOver) {
      change = { ...change, upsW: Math.ceil(r.loads.peakWall / 100) * 100 };
      r = powerLines(applyPowerChange(hw, change), budget);
    }
    if (!r.lines.every((l) => l.ok)) return undefined;
    return { change, text: describe(hw, change, r.lines, r.loads), lines: r.lines, loads: r.loads };
  };
  // The highest limit that fits, by bisection: every load grows with the limit.
  const withLimit = (c: PowerChange): PowerWayOut | undefined => {
    if (!attempt({ ...c, gpuLimitW: floor })) return undefined;
    let lo = floor;
    let hi = ceiling - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (attempt({ ...c, gpuLimitW: mid })) lo = mid;
      else hi = mid - 1;
    }
    return attempt({ ...c, gpuLimitW: lo });
  };
  const caps = cpuCaps(hw.cpu);

  const waysOut: PowerWayOut[] = [];
  const offered: { dims: readonly Dim[]; way: PowerWayOut }[] = [];
  for (const dims of SUBSETS) {
    const smaller = offered.filter((o) => o.dims.every((d) => dims.includes(d)));
    // A smaller change that fits with no limit or cap at all leaves nothing to gain.
    if (smaller.some((o) => !o.dims.includes("gpu") && !o.dims.includes("cpu"))) continue;
    if (dims.includes("gpu") && (hw.gpus.length === 0 || ceiling - 1 < floor)) continue;
    if (dims.includes("cpu") && caps.length === 0) continue;
    if (dims.length === 0 && !upsOver) continue;
    const psuChoices = dims.includes("psu") ? psuOptions : [undefined];
    const circuitChoices = dims.includes("circuit") ? circuitOptions : [undefined];
    const capChoices = dims.includes("cpu") ? caps : [undefined];
    let found: PowerWayOut | undefined;
    search: for (const psu of psuChoices) {
      for (const circuit of circuitChoices) {
        for (const cpuCapW of capChoices) {
          const base: PowerChange = { ...(psu ? { psu } : {}), ...(circuit ? { circuit } : {}), ...(cpuCapW !== undefined ? { cpuCapW } : {}) };
          found = dims.includes("gpu") ? withLimit(base) : attempt(base);
          if (found) break search;
        }
      }
    }
    // Offered beside a smaller change only when it lets the GPUs or the CPU draw more.
    if (found && smaller.every((o) => gains(found!.change, o.way.change))) {
      waysOut.push(found);
      offered.push({ dims, way: found });
    }
  }

  const remarks: string[] = [];
  if (hw.gpus.length > 0 && !offered.some((o) => o.dims.length === 1 && o.dims[0] === "gpu")) remarks.push(limitAloneRemark(hw, budget, floor));
  if (waysOut.length === 0) {
    remarks.push(
      `no change aiws tries fits: GPU limits down to ${floor} W, a CPU PPT cap down to ${hw.cpu.draw.typical} W, the PSUs of profiles/catalog/psus.yaml (the largest ${Math.max(0, ...psus.map((p) => p.spec.ratedW))} W), ` +
        `circuits up to ${circuitOptions.at(-1) ? `${circuitOptions.at(-1)!.volts} V / ${circuitOptions.at(-1)!.amps} A` : "the profile's"}; fewer GPUs are needed.`,
    );
  }
  return { waysOut, remarks };
}

/**
 * Whether `a` lets the GPUs or the CPU draw worthwhile more than `b`: 5 W per GPU or 20 W of
 * CPU (no limit or cap counts as unlimited). Less is a trade the owner can make by hand.
 */
function gains(a: PowerChange, b: PowerChange): boolean {
  const more = (x: number | undefined, y: number | undefined, by: number) => (x ?? Infinity) - (y ?? Infinity) >= by;
  return more(a.gpuLimitW, b.gpuLimitW, 5) || more(a.cpuCapW, b.cpuCapW, 20);
}

/** Why a power limit alone is no way out: how low it would have to go, below the card's minimum. */
function limitAloneRemark(hw: Hardware, budget: BudgetConfig, floor: number): string {
  const connectors = powerLines(hw, budget).lines.find((l) => l.id === "psu-connectors");
  if (connectors && !connectors.ok) return `a GPU power limit alone cannot fix the ${connectors.load} 12V-2x6 connectors the GPUs need (the PSU has ${connectors.limit}).`;
  let needed: number | undefined;
  for (let w = floor - 1; w >= 1; w--) {
    if (powerLines(applyPowerChange(hw, { gpuLimitW: w }), budget).lines.every((l) => l.ok || l.id === "ups")) {
      needed = w;
      break;
    }
  }
  const names = [...new Set(hw.gpus.map((g) => g.name))].join(", ");
  return `a GPU power limit alone does not fit: even at the card's minimum of ${floor} W (${names}) the budget is over${needed ? `; it would take ${needed} W per GPU, below what the card accepts` : ""}.`;
}

function describe(hw: Hardware, c: PowerChange, lines: readonly BudgetLine[], loads: PowerLoads): string {
  const parts: string[] = [];
  if (c.gpuLimitW !== undefined) {
    const where = hw.gpus.map((_, i) => `hardware.gpus.${i}.powerLimitW: ${c.gpuLimitW}`).join(", ");
    parts.push(`GPU power limit ${c.gpuLimitW} W per GPU (${where})`);
  }
  if (c.cpuCapW !== undefined) parts.push(`the CPU's package power capped at ${c.cpuCapW} W in the BIOS (hardware.cpu.pptCapW: ${c.cpuCapW})`);
  if (c.psu) parts.push(`the ${c.psu.spec.name} (hardware.psu.model: ${c.psu.key}; ${c.psu.spec.ratedW} W, ATX ${c.psu.spec.atxVersion}, ${c.psu.spec.native12v2x6} native 12V-2x6)`);
  if (c.circuit) {
    const outlet = c.circuit.volts >= 200 && hw.circuit.volts < 200 ? `; a NEMA 6-${c.circuit.amps} outlet, and a PSU that takes ${c.circuit.volts} V` : "";
    parts.push(`a dedicated ${c.circuit.volts} V / ${c.circuit.amps} A circuit (hardware.circuit: { volts: ${c.circuit.volts}, amps: ${c.circuit.amps} }${outlet})`);
  }
  if (c.upsW !== undefined) parts.push(`a UPS rated ${c.upsW} W or more (hardware.ups.watts; watts, not VA)`);
  const tight = [...lines].filter((l) => l.unit === "W").sort((a, b) => a.margin / a.limit - b.margin / b.limit)[0];
  const then = tight ? `; tightest then: ${tight.title.toLowerCase()} ${Math.round(tight.load)} of ${Math.round(tight.limit)} W` : "";
  const together = parts.length > 1 ? "together: " : "";
  return `${together}${parts.join(" + ")}: sustained ${Math.round(loads.sustainedWall)} W at the wall${then}.`;
}
