import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { checkProfile } from "../../../src/budget/check.js";
import { powerBudget, powerLines } from "../../../src/budget/power.js";
import { applyPowerChange, catalogPsus, largerCircuits } from "../../../src/budget/powerWaysOut.js";
import type { Hardware } from "../../../src/profile/schema/hardware.js";
import type { Profile } from "../../../src/profile/schema/profile.js";

const ROOT = join(import.meta.dirname, "../../..");
const load = (file: string) => loadProfile(join(ROOT, file)).profile;
const FOUR_600 = "tests/unit/budget/fixtures/four-600w-15a.yaml";
const byId = <T extends { id: string }>(lines: readonly T[], id: string): T => lines.find((l) => l.id === id)!;
const withHw = (p: Profile, f: (hw: Hardware) => Hardware): Profile => ({ ...p, hardware: f(p.hardware) });

describe("sustained load: GPUs at their limit and the CPU at its PPT, or the cap the profile states", () => {
  it.each([
    // file, GPU limit forced (W), sustained DC, sustained wall, circuit-continuous ok
    ["the 4x 600 W build at the 250 W the old model suggested: 1675 W at the wall, not 1438", FOUR_600, 250, 1515, 1675.4, false],
    ["the 4x 600 W build at its stock 600 W", FOUR_600, undefined, 2915, 3238.9, false],
    ["base: CPU at 400 W, not its typical 200 W", "profiles/base.yaml", undefined, 815, 876.5, true],
    ["quad-gpu: CPU at the 280 W cap it states", "profiles/quad-gpu.yaml", undefined, 1425, 1568.1, true],
    ["a16z: 7975WX at 400 W", "profiles/a16z.yaml", undefined, 1745, 1938.9, false],
  ] as const)("%s", (_what, file, limit, dc, wall, ok) => {
    const p = load(file);
    const hw = limit === undefined ? p.hardware : applyPowerChange(p.hardware, { gpuLimitW: limit });
    const r = powerLines(hw, p.budget);
    expect(r.loads.sustainedDc).toBe(dc);
    expect(Math.round(r.loads.sustainedWall * 10) / 10).toBe(wall);
    expect(byId(r.lines, "circuit-continuous").ok).toBe(ok);
  });

  it.each([
    ["a cap below the PPT is an assumption the owner confirms", 280, 280, 1],
    ["a cap above the PPT changes nothing and asks nothing", 450, 400, 0],
    ["no cap: the PPT", undefined, 400, 0],
  ] as const)("%s", (_what, cap, counted, assumptions) => {
    const p = load("profiles/base.yaml");
    const hw = { ...p.hardware, cpu: { ...p.hardware.cpu, pptCapW: cap } };
    const r = powerBudget(hw, p.budget);
    expect(r.loads.components.find((c) => c.kind === "cpu")!.draw).toMatchObject({ typical: counted, peak: counted });
    expect(r.assumptions).toHaveLength(assumptions);
    if (assumptions) expect(r.assumptions[0]).toContain("capped at 280 W (PPT) in the BIOS (hardware.cpu.pptCapW)");
  });

  it("check lists the cap among the assumptions to confirm", () => {
    const r = checkProfile(load("profiles/quad-gpu.yaml"), "profiles/quad-gpu.yaml");
    expect(r.assumptions).toEqual([expect.stringContaining("capped at 280 W")]);
  });
});

/** Refused hardware, each with its ways out; every one must fit when re-checked from scratch. */
const REFUSED: [string, () => Profile][] = [
  ["the 4x 600 W build", () => load(FOUR_600)],
  ["a16z as published", () => load("profiles/a16z.yaml")],
  ["quad-gpu on a 15 A circuit", () => withHw(load("profiles/quad-gpu.yaml"), (hw) => ({ ...hw, circuit: { ...hw.circuit, amps: 15 } }))],
  ["quad-gpu without its PPT cap", () => withHw(load("profiles/quad-gpu.yaml"), (hw) => ({ ...hw, cpu: { ...hw.cpu, pptCapW: undefined } }))],
  ["dual-gpu with a third card on the TX-1300", () => withHw(load("profiles/dual-gpu.yaml"), (hw) => ({ ...hw, gpus: [{ ...hw.gpus[0]!, count: 3 }] }))],
  ["base behind a 900 W UPS", () => withHw(load("profiles/base.yaml"), (hw) => ({ ...hw, ups: { watts: 900 } }))],
  ["the 4x 600 W build at 240 V / 15 A", () => withHw(load(FOUR_600), (hw) => ({ ...hw, circuit: { volts: 240, amps: 15, continuousFraction: 0.8 } }))],
];

describe("every way out is re-checked through the budgets before it is printed", () => {
  const psuKeys = new Set(catalogPsus().map((p) => p.key));

  it.each(REFUSED)("%s: each offered change fits every budget, from parts that exist", (_what, make) => {
    const p = make();
    const r = powerBudget(p.hardware, p.budget);
    expect(r.lines.some((l) => !l.ok)).toBe(true);
    expect(r.suggestions).toEqual(r.waysOut.map((w) => w.text));
    for (const w of r.waysOut) {
      const fixed = { ...p, hardware: applyPowerChange(p.hardware, w.change) };
      const report = checkProfile(fixed, "fixed.yaml");
      expect(report.lines.filter((l) => l.group === "power" && !l.ok), w.text).toEqual([]);
      if (w.change.psu) expect(psuKeys.has(w.change.psu.key)).toBe(true);
      if (w.change.circuit) expect(w.change.circuit.amps).toBeLessThanOrEqual(20);
      if (w.change.gpuLimitW !== undefined) expect(w.change.gpuLimitW).toBeGreaterThanOrEqual(Math.max(...p.hardware.gpus.map((g) => g.powerLimitRangeW.min)));
    }
  });

  it.each(REFUSED)("%s: a change that contains a smaller offered one lets the GPUs or the CPU draw more", (_what, make) => {
    const p = make();
    const ways = powerBudget(p.hardware, p.budget).waysOut.map((w) => w.change);
    const dims = (c: (typeof ways)[number]) => Object.keys(c).filter((k) => k !== "upsW");
    for (const small of ways) {
      for (const big of ways) {
        if (small === big || !dims(small).every((k) => dims(big).includes(k))) continue;
        const more = (x?: number, y?: number) => (x ?? Infinity) - (y ?? Infinity);
        expect(more(big.gpuLimitW, small.gpuLimitW) >= 5 || more(big.cpuCapW, small.cpuCapW) >= 20, `${dims(big)} over ${dims(small)}`).toBe(true);
      }
    }
  });

  it("the 4x 600 W build: 240 V / 15 A is not offered on its own, since 3239 W at the wall does not fit it", () => {
    const p = load(FOUR_600);
    const r = powerBudget(p.hardware, p.budget);
    expect(r.suggestions.join("\n")).not.toMatch(/^a dedicated 240 V/m);
    expect(r.suggestions[0]).toMatch(/^GPU power limit 200 W per GPU .*circuit continuous 1438 of 1440 W/);
    // With a 20 A circuit the PSU's sustained budget binds instead: (1440 - 515) / 4 = 231 W.
    expect(r.suggestions[1]).toMatch(/^together: GPU power limit 231 W per GPU .* \+ a dedicated 120 V \/ 20 A circuit/);
    expect(r.suggestions).toHaveLength(2);
    expect(r.suggestions.join("\n")).not.toMatch(/at least \d+ W/);
  });

  it.each([
    [120, 15, ["120 V / 20 A", "240 V / 15 A", "240 V / 20 A"]],
    [120, 20, ["240 V / 15 A", "240 V / 20 A"]],
    [230, 10, ["230 V / 16 A"]],
    [240, 20, []],
  ] as const)("circuits larger than %d V / %d A that a home or office has: %j", (volts, amps, want) => {
    expect(largerCircuits({ volts, amps, continuousFraction: 0.8 }).map((c) => `${c.volts} V / ${c.amps} A`)).toEqual(want);
  });
});
