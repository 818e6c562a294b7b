import type { Hardware } from "../profile/schema/hardware.js";
import type { BudgetConfig } from "../profile/schema/profile.js";
import { cpuDraw, powerLoads, type PowerLoads } from "./powerLoads.js";
import { line, round, type BudgetLine, type BudgetResult } from "./types.js";
import { catalogPsus, powerWaysOut, type CatalogPsu, type PowerWayOut } from "./powerWaysOut.js";

/** ATX 3.x units must ride 200 % of their rating for 100 us; an ATX 2.x unit promises nothing beyond 100 %. */
function transientCapacity(atxVersion: Hardware["psu"]["atxVersion"]): number {
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
      detail: `GPUs at their limit, the CPU at its ${cpuDraw(hw.cpu).peak} W ${hw.cpu.pptCapW !== undefined && hw.cpu.pptCapW < hw.cpu.draw.peak ? "PPT cap" : "PPT"}, the rest typical; ${Math.round(budget.psuHeadroom * 100)} % of the PSU's ${psu.ratedW} W (${psu.name})`,
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

/** The power budget: every line, and when one is over, the ways out (each re-checked, see powerWaysOut.ts). */
export function powerBudget(hw: Hardware, budget: BudgetConfig, psus: readonly CatalogPsu[] = catalogPsus()): BudgetResult & { loads: PowerLoads; waysOut: PowerWayOut[]; assumptions: string[] } {
  const { loads, lines } = powerLines(hw, budget);
  const over = lines.filter((l) => !l.ok);
  const found = over.length > 0 ? powerWaysOut(hw, budget, psus) : { waysOut: [], remarks: [] };
  const notes: string[] = [...found.remarks];
  if (hw.gpus.some((g) => g.powerLimitW === undefined) && hw.gpus.length > 0) {
    notes.push("GPUs without powerLimitW are budgeted at their board power; aiws leaves their limit at the card's default.");
  }
  const assumptions: string[] = [];
  if (hw.cpu.pptCapW !== undefined && hw.cpu.pptCapW < hw.cpu.draw.peak) {
    assumptions.push(
      `the CPU's package power is capped at ${hw.cpu.pptCapW} W (PPT) in the BIOS (hardware.cpu.pptCapW); stock it may hold ${hw.cpu.draw.peak} W indefinitely, and every power budget here counts ${hw.cpu.pptCapW} W`,
    );
  }
  return { lines, suggestions: found.waysOut.map((w) => w.text), notes, loads, waysOut: found.waysOut, assumptions };
}
