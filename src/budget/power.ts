import type { Hardware } from "../profile/schema/hardware.js";
import type { BudgetConfig } from "../profile/schema/profile.js";
import { powerLoads, type PowerLoads } from "./powerLoads.js";
import { line, round, type BudgetLine, type BudgetResult } from "./types.js";

/** ATX 3.x units must ride 200 % of their rating for 100 us; an ATX 2.x unit promises nothing beyond 100 %. */
export function transientCapacity(atxVersion: Hardware["psu"]["atxVersion"]): number {
  return atxVersion === "2.x" ? 1 : 2;
}

/** Every power line for the hardware as it stands (or with the given per-entry GPU limits). */
export function powerLines(hw: Hardware, budget: BudgetConfig, gpuLimits?: readonly number[]): { loads: PowerLoads; lines: BudgetLine[] } {
  const loads = powerLoads(hw, gpuLimits);
  const psu = hw.psu;
  const breakerW = hw.circuit.volts * hw.circuit.amps;
  const continuousW = breakerW * hw.circuit.continuousFraction;
  const cap = transientCapacity(psu.atxVersion);
  const circuit = `${hw.circuit.volts} V / ${hw.circuit.amps} A`;
  const lines: BudgetLine[] = [
    line({
      id: "psu-sustained",
      group: "power",
      title: "PSU sustained load",
      load: loads.sustainedDc,
      limit: psu.ratedW * budget.psuHeadroom,
      unit: "W",
      detail: `GPUs at their limit, the rest typical; ${Math.round(budget.psuHeadroom * 100)} % of the ${psu.ratedW} W ${psu.name}`,
    }),
    line({
      id: "psu-peak",
      group: "power",
      title: "PSU peak load",
      load: loads.peakDc,
      limit: psu.ratedW,
      unit: "W",
      detail: `GPUs at their limit, CPU and the rest at peak; the PSU's rating`,
    }),
    line({
      id: "psu-transient",
      group: "power",
      title: "PSU GPU transients",
      load: loads.transientDc,
      limit: psu.ratedW * cap,
      unit: "W",
      detail:
        cap > 1
          ? `GPU excursions (x${loads.components.find((c) => c.gpu)?.transientFactor ?? 2}) on top of the peak; ATX ${psu.atxVersion} rides ${cap * 100} % for 100 us`
          : `GPU excursions on top of the peak; an ATX 2.x unit has no excursion rating, so they must fit its rating`,
    }),
  ];
  const needed = hw.gpus.filter((g) => g.connector === "12v-2x6").reduce((n, g) => n + g.count * g.connectorCount, 0);
  if (needed > 0) {
    lines.push(
      line({
        id: "psu-connectors",
        group: "power",
        title: "PSU 12V-2x6 connectors",
        load: needed,
        limit: psu.native12v2x6,
        unit: "connectors",
        detail: "one native 16-pin cable per GPU connector; no 8-pin adapters, no daisy chains",
      }),
    );
  }
  lines.push(
    line({
      id: "circuit-continuous",
      group: "power",
      title: "Circuit continuous",
      load: loads.sustainedWall,
      limit: continuousW,
      unit: "W",
      detail: `wall draw of the sustained load (${round(loads.sustainedDc, 0)} W DC at ${pct(loads.sustainedDc / loads.sustainedWall)} efficiency); ${Math.round(hw.circuit.continuousFraction * 100)} % of ${circuit}`,
    }),
    line({
      id: "circuit-peak",
      group: "power",
      title: "Circuit peak",
      load: loads.peakWall,
      limit: breakerW,
      unit: "W",
      detail: `wall draw of the peak load (${round(loads.peakDc, 0)} W DC); the whole ${circuit} breaker`,
    }),
  );
  if (hw.ups) {
    lines.push(
      line({
        id: "ups",
        group: "power",
        title: "UPS",
        load: loads.peakWall,
        limit: hw.ups.watts,
        unit: "W",
        detail: `wall draw at peak against the UPS's ${hw.ups.watts} W rating${hw.ups.va ? ` (${hw.ups.va} VA is not watts)` : ""}`,
      }),
    );
  }
  return { loads, lines };
}

function pct(f: number): string {
  return `${(f * 100).toFixed(1)} %`;
}

/** Standard PSU sizes, for "the PSU that would fit". */
const PSU_SIZES = [850, 1000, 1200, 1300, 1500, 1600, 2000, 2200, 2500, 2800];
const BREAKERS = [15, 20, 30];

/** The power budget: every line, and when one is over, the ways out. */
export function powerBudget(hw: Hardware, budget: BudgetConfig): BudgetResult & { loads: PowerLoads } {
  const { loads, lines } = powerLines(hw, budget);
  const over = lines.filter((l) => !l.ok);
  const suggestions: string[] = [];
  const notes: string[] = [];
  if (over.length > 0) {
    suggestions.push(...gpuLimitWayOut(hw, budget, over));
    suggestions.push(...psuWayOut(hw, budget, loads, over));
    suggestions.push(...circuitWayOut(hw, loads, over));
    const ups = over.find((l) => l.id === "ups");
    if (ups) suggestions.push(`UPS: a unit rated ${roundUp(ups.load, 100)} W or more (watts, not VA) carries the peak of ${Math.round(ups.load)} W.`);
  }
  if (hw.gpus.some((g) => g.powerLimitW === undefined) && hw.gpus.length > 0) {
    notes.push("GPUs without powerLimitW are budgeted at their board power; aiws leaves their limit at the card's default.");
  }
  return { lines, suggestions, notes, loads };
}

/** The highest single per-GPU limit that makes every limit-sensitive line fit, never below a card's minimum. */
function gpuLimitWayOut(hw: Hardware, budget: BudgetConfig, over: readonly BudgetLine[]): string[] {
  if (hw.gpus.length === 0) return [];
  const sensitive = over.filter((l) => l.id !== "psu-connectors");
  if (sensitive.length === 0) return [];
  const floor = Math.max(...hw.gpus.map((g) => g.powerLimitRangeW.min));
  const ceiling = Math.max(...hw.gpus.map((g) => g.powerLimitW ?? g.tdpW));
  const fits = (w: number) => powerLines(hw, budget, hw.gpus.map((g) => Math.min(w, g.powerLimitRangeW.max))).lines.every((l) => l.ok || l.id === "psu-connectors");
  const where = hw.gpus.map((_, i) => `hardware.gpus.${i}.powerLimitW`).join(", ");
  for (let w = ceiling - 1; w >= floor; w--) {
    if (fits(w)) {
      const after = powerLines(hw, budget, hw.gpus.map(() => w)).loads;
      return [`GPU power limit: ${w} W per GPU fits every power budget (${where}: ${w}); the sustained wall draw becomes ${Math.round(after.sustainedWall)} W.`];
    }
  }
  // What the limit would have to be, ignoring the card's floor, to say how far off the floor is.
  let needed: number | undefined;
  for (let w = floor - 1; w >= 1; w--) {
    if (fits(w)) {
      needed = w;
      break;
    }
  }
  const names = [...new Set(hw.gpus.map((g) => g.name))].join(", ");
  return [
    `GPU power limit: none fits. Even at the card's minimum of ${floor} W (${names}) the budget is over${needed ? `; it would take ${needed} W per GPU, below what the card accepts` : ""}. Fewer GPUs, a bigger PSU or another circuit is needed.`,
  ];
}

function psuWayOut(hw: Hardware, budget: BudgetConfig, loads: PowerLoads, over: readonly BudgetLine[]): string[] {
  if (!over.some((l) => l.id.startsWith("psu-"))) return [];
  const connectors = hw.gpus.filter((g) => g.connector === "12v-2x6").reduce((n, g) => n + g.count * g.connectorCount, 0);
  const needW = Math.max(loads.sustainedDc / budget.psuHeadroom, loads.peakDc, loads.transientDc / transientCapacity("3.1"));
  const size = PSU_SIZES.find((s) => s >= needW) ?? roundUp(needW, 100);
  const what = `an ATX 3.x PSU of at least ${size} W${connectors > 0 ? ` with ${connectors} native 12V-2x6 connectors` : ""}`;
  return [`PSU: ${what} (sustained ${Math.round(loads.sustainedDc)} W within ${Math.round(budget.psuHeadroom * 100)} %, peak ${Math.round(loads.peakDc)} W, transients ${Math.round(loads.transientDc)} W within 200 %) at the current GPU limits.`];
}

function circuitWayOut(hw: Hardware, loads: PowerLoads, over: readonly BudgetLine[]): string[] {
  if (!over.some((l) => l.id.startsWith("circuit-"))) return [];
  const { volts, continuousFraction } = hw.circuit;
  const amps = BREAKERS.find((a) => loads.sustainedWall <= volts * a * continuousFraction && loads.peakWall <= volts * a);
  const out: string[] = [];
  if (amps) {
    out.push(`Circuit: a dedicated ${volts} V / ${amps} A circuit carries it (${Math.round(volts * amps * continuousFraction)} W continuous against ${Math.round(loads.sustainedWall)} W sustained at the wall).`);
  }
  if (volts < 200) {
    const wall240 = loads.sustainedWall; // conservative: the 230 V table is more efficient still
    out.push(`Circuit: or 240 V / 15 A (${Math.round(240 * 15 * continuousFraction)} W continuous) with ${Math.round(wall240)} W or less at the wall.`);
  }
  return out;
}

function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}
