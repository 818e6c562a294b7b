/**
 * What every budget (power, VRAM) reports: one line per limit, with the load, the limit and
 * the margin in the same unit, and the ways out when a line is over.
 */
export interface BudgetLine {
  /** Stable id (`psu-sustained`, `circuit-continuous`, `vram-gpu0`). */
  readonly id: string;
  /** Which budget it belongs to, for grouping in the report. */
  readonly group: "power" | "vram" | "memory";
  /** What is being checked, for people (`PSU sustained load`). */
  readonly title: string;
  readonly load: number;
  readonly limit: number;
  readonly unit: "W" | "GB" | "GiB" | "tok/s" | "connectors";
  /** limit - load: negative when over. */
  readonly margin: number;
  readonly ok: boolean;
  /** How the numbers were reached, one short line. */
  readonly detail: string;
}

export interface BudgetResult {
  readonly lines: readonly BudgetLine[];
  /** The ways out, when a line is over: what would fit. */
  readonly suggestions: readonly string[];
  /** Facts worth knowing that refuse nothing (an estimate's ceiling, a source's doubt). */
  readonly notes: readonly string[];
}

export function line(l: Omit<BudgetLine, "margin" | "ok"> & { ok?: boolean }): BudgetLine {
  const margin = round(l.limit - l.load);
  return { ...l, load: round(l.load), limit: round(l.limit), margin, ok: l.ok ?? margin >= 0 };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
