import type { PsuSpec } from "../profile/schema/hardware.js";

/**
 * 80 PLUS minimum efficiency, in percent, at fractions of rated load. The 115 V internal
 * table applies to 100-127 V mains, the 230 V EU internal table to 200-240 V. Titanium adds
 * a 10 % point. (The 80 PLUS program's requirement tables,
 * https://www.clearesult.com/80plus/program-details. Titanium's 230 V points, 94/96/94 %, are
 * not its 115 V ones: quoting them for a 120 V build overstates its efficiency there.)
 */
type Curve = readonly (readonly [load: number, percent: number])[];

const TABLES: Record<"115" | "230", Record<PsuSpec["efficiency"], Curve>> = {
  "115": {
    bronze: [[0.2, 82], [0.5, 85], [1, 82]],
    gold: [[0.2, 87], [0.5, 90], [1, 87]],
    platinum: [[0.2, 90], [0.5, 92], [1, 89]],
    titanium: [[0.1, 90], [0.2, 92], [0.5, 94], [1, 90]],
  },
  "230": {
    bronze: [[0.2, 85], [0.5, 88], [1, 85]],
    gold: [[0.2, 90], [0.5, 92], [1, 89]],
    platinum: [[0.2, 92], [0.5, 94], [1, 90]],
    titanium: [[0.1, 90], [0.2, 94], [0.5, 96], [1, 94]],
  },
};

/**
 * Efficiency (0-1) at a DC load, interpolated linearly between the table's points and held
 * flat outside them (above 100 % load the unit is out of spec anyway; the PSU line says so).
 */
export function efficiencyAt(rating: PsuSpec["efficiency"], volts: number, loadFraction: number): number {
  const curve = TABLES[volts >= 200 ? "230" : "115"][rating];
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (loadFraction <= first[0]) return first[1] / 100;
  if (loadFraction >= last[0]) return last[1] / 100;
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i]!;
    const [x0, y0] = curve[i - 1]!;
    if (loadFraction <= x1) return (y0 + ((y1 - y0) * (loadFraction - x0)) / (x1 - x0)) / 100;
  }
  return last[1] / 100;
}

/** AC watts drawn from the wall for a DC load. */
export function wallWatts(dcW: number, psu: Pick<PsuSpec, "ratedW" | "efficiency">, volts: number): number {
  return dcW / efficiencyAt(psu.efficiency, volts, dcW / psu.ratedW);
}
