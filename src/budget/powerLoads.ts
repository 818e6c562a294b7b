import type { Hardware, Draw } from "../profile/schema/hardware.js";
import { wallWatts } from "./efficiency.js";

/** One line of the power table: a part, how many, and its draw in each state. */
export interface ComponentDraw {
  readonly name: string;
  readonly count: number;
  /** Per unit. For a GPU, `typical` and `peak` are its sustained draw: the power limit when set. */
  readonly draw: Draw;
  readonly gpu: boolean;
  /** GPUs: short excursions as a multiple of the sustained draw. */
  readonly transientFactor: number;
  /** What sort of part, for the pictures' colours. */
  readonly kind: "gpu" | "cpu" | "memory" | "drive" | "platform";
}

/** The machine's DC loads and what they draw at the wall. */
export interface PowerLoads {
  readonly components: readonly ComponentDraw[];
  readonly idleDc: number;
  /**
   * The worst credible continuous load: GPUs at their limit and the CPU at its PPT (or the cap
   * the profile states), the rest typical. CPU-offloaded inference holds the CPU at PPT for
   * hours while the GPUs run, so "typical" would be optimistic.
   */
  readonly sustainedDc: number;
  /** GPUs at their limit, everything else at its peak: minutes of CPU and GPU flat out together. */
  readonly peakDc: number;
  /** The peak with every GPU in a coincident 100 us excursion (data-parallel GPUs step together). */
  readonly transientDc: number;
  readonly sustainedWall: number;
  readonly peakWall: number;
}

/** The GPU's sustained draw: its power limit when the profile sets one, else its board power. */
function gpuSustainedW(gpu: Hardware["gpus"][number], limitOverride?: number): number {
  return limitOverride ?? gpu.powerLimitW ?? gpu.tdpW;
}

/**
 * The CPU's draw with its sustained figure at PPT: `peak` is the package power it may hold
 * indefinitely, so it is also the sustained draw. A PPT cap set in the BIOS bounds both.
 */
export function cpuDraw(cpu: Hardware["cpu"]): Draw {
  const ppt = Math.min(cpu.draw.peak, cpu.pptCapW ?? Infinity);
  return { idle: Math.min(cpu.draw.idle, ppt), typical: ppt, peak: ppt };
}

/**
 * Sums the machine's draw. `gpuLimits` (one per `hardware.gpus` entry) replaces the profile's
 * limits, which is how the budget searches for the highest limit that fits.
 */
export function powerLoads(hw: Hardware, gpuLimits?: readonly number[]): PowerLoads {
  const components: ComponentDraw[] = [
    ...hw.gpus.map((g, i) => {
      const w = gpuSustainedW(g, gpuLimits?.[i]);
      return { name: g.name, count: g.count, draw: { idle: g.draw.idle, typical: w, peak: w }, gpu: true, transientFactor: g.transientFactor, kind: "gpu" as const };
    }),
    { name: hw.cpu.name, count: 1, draw: cpuDraw(hw.cpu), gpu: false, transientFactor: 1, kind: "cpu" as const },
    { name: `${hw.memory.moduleGB} GB ${hw.memory.kind.toUpperCase()}`, count: hw.memory.modules, draw: hw.memory.draw, gpu: false, transientFactor: 1, kind: "memory" as const },
    ...hw.drives.map((d) => ({ name: d.model, count: 1, draw: d.draw, gpu: false, transientFactor: 1, kind: "drive" as const })),
    { name: "motherboard", count: 1, draw: hw.platform.board, gpu: false, transientFactor: 1, kind: "platform" as const },
    { name: "fans and pump", count: 1, draw: hw.platform.fans, gpu: false, transientFactor: 1, kind: "platform" as const },
    { name: "peripherals", count: 1, draw: hw.platform.peripherals, gpu: false, transientFactor: 1, kind: "platform" as const },
  ];
  const sum = (f: (c: ComponentDraw) => number) => components.reduce((n, c) => n + c.count * f(c), 0);
  const idleDc = sum((c) => c.draw.idle);
  const sustainedDc = sum((c) => c.draw.typical);
  const peakDc = sum((c) => c.draw.peak);
  const transientDc = sum((c) => c.draw.peak * c.transientFactor);
  return {
    components,
    idleDc,
    sustainedDc,
    peakDc,
    transientDc,
    sustainedWall: wallWatts(sustainedDc, hw.psu, hw.circuit.volts),
    peakWall: wallWatts(peakDc, hw.psu, hw.circuit.volts),
  };
}
