import { formatProblem } from "../profile/problems.js";
import type { CheckReport } from "./check.js";
import type { BudgetLine } from "./types.js";

/** The check report as a table a person reads at a glance, then the ways out. */
export function formatReport(r: CheckReport): string {
  const out: string[] = [];
  const head = r.profile ? `${r.file} (${r.profile.name}${r.profile.description ? `: ${r.profile.description}` : ""})` : r.file;
  out.push(`${head}: ${verdict(r.status)}`);
  if (r.status === "invalid") {
    out.push(...r.problems.map((p) => `  ${formatProblem(p)}`));
    return out.join("\n");
  }
  if (r.loads) {
    const l = r.loads;
    out.push(`  DC load: idle ${w(l.idleDc)}, sustained ${w(l.sustainedDc)}, peak ${w(l.peakDc)}, transients ${w(l.transientDc)}; at the wall: sustained ${w(l.sustainedWall)}, peak ${w(l.peakWall)}`);
  }
  out.push(...table(r.lines));
  if (r.suggestions.length > 0) {
    out.push("  Ways out:");
    out.push(...r.suggestions.map((s) => `    - ${s}`));
  }
  // r.assumptions (a stated CPU power cap) end the check's output, with the rest of what it
  // assumed and cannot verify: scripts/check.ts, src/budget/assumptions.ts.
  if (r.notes.length > 0) out.push(...r.notes.map((n) => `  Note: ${n}`));
  return out.join("\n");
}

function verdict(s: CheckReport["status"]): string {
  return s === "ok" ? "fits" : s === "refused" ? "REFUSED" : "INVALID";
}

function w(n: number): string {
  return `${n.toFixed(0)} W`;
}

function table(lines: readonly BudgetLine[]): string[] {
  const rows = [["budget", "load", "limit", "margin", "verdict"], ...lines.map(row)];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const render = (r: string[]) => "  " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const why = lines.filter((l) => !l.ok).map((l) => `    ${l.title}: ${l.detail}`);
  return [render(rows[0]!), "  " + widths.map((n) => "-".repeat(n)).join("  "), ...rows.slice(1).map(render), ...(why.length > 0 ? ["  Why over:", ...why] : [])];
}

/**
 * One row, every figure rounded once to what is shown (W to the watt, GB to 0.1) and the
 * margin taken from the shown load and limit, so the row adds up and its sign agrees with the
 * verdict. Where rounding to the watt would hide the sign, the row shows tenths.
 */
function row(l: BudgetLine): string[] {
  let digits = l.unit === "W" ? 0 : l.unit === "connectors" ? 0 : 1;
  const shown = (n: number) => Number(n.toFixed(digits));
  if (shown(l.limit) - shown(l.load) < 0 === l.ok) digits = 1;
  const load = shown(l.load);
  const limit = shown(l.limit);
  const margin = Number((limit - load).toFixed(digits));
  const fmt = (n: number) => (l.unit === "connectors" ? n.toFixed(digits) : `${n.toFixed(digits)} ${l.unit}`);
  const sign = margin < 0 || (!l.ok && margin === 0) ? "-" : "+";
  return [l.title, fmt(load), fmt(limit), `${sign}${fmt(Math.abs(margin))}`, l.ok ? "ok" : "OVER"];
}

/** The same report for machines. */
export function reportJson(r: CheckReport): unknown {
  return {
    file: r.file,
    status: r.status,
    name: r.profile?.name,
    files: r.files,
    problems: r.problems,
    loads: r.loads,
    budgets: r.lines,
    suggestions: r.suggestions,
    notes: r.notes,
    assumptions: r.assumptions,
  };
}
