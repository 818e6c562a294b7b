import { formatProblem } from "../profile/problems.js";
import { reportJson } from "./format.js";
import type { RoadmapReport, RoadmapStep } from "./roadmap.js";
import type { BudgetLine } from "./types.js";

/** The roadmap as a table of steps, what breaks where, and the order that would keep every step within budget. */
export function formatRoadmap(r: RoadmapReport): string {
  const out: string[] = [];
  const head = r.roadmap ? `${r.file} (${r.roadmap.name}${r.roadmap.description ? `: ${r.roadmap.description}` : ""})` : r.file;
  if (r.status === "invalid") {
    out.push(`${head}: INVALID`, ...r.problems.map((p) => `  ${formatProblem(p)}`));
    return out.join("\n");
  }
  const first = r.steps.find((s) => s.report.status !== "ok");
  out.push(`${head}: ${first ? `REFUSED at step ${first.number} of ${r.steps.length}` : `every one of its ${r.steps.length} steps fits`}`);
  const cur = r.roadmap!.currency;
  const rows = [
    ["step", "upgrade", "cost", "total", "verdict"],
    ...r.steps.map((s) => [String(s.number), s.title, s.cost !== undefined ? money(s.cost, cur) : "-", total(s, cur), s.report.status === "ok" ? "fits" : "REFUSED"]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
  const render = (x: string[]) => "  " + x.map((c, i) => (i === 1 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  out.push(render(rows[0]!), "  " + widths.map((n) => "-".repeat(n)).join("  "));
  r.steps.forEach((s, i) => {
    out.push(render(rows[i + 1]!));
    const pad = " ".repeat(widths[0]! + 4);
    const over = s.report.lines.filter((l) => !l.ok);
    if (s.breaks.length > 0) out.push(`${pad}breaks: ${over.filter((l) => s.breaks.includes(l.id)).map(figure).join("; ")}`);
    const still = over.filter((l) => !s.breaks.includes(l.id));
    if (still.length > 0) out.push(`${pad}still over: ${still.map(figure).join("; ")}`);
    if (s.mends.length > 0) out.push(`${pad}mends: ${s.report.lines.filter((l) => s.mends.includes(l.id)).map(figure).join("; ")}`);
    if (over.length === 0) {
      const t = tightest(s.report.lines);
      if (t) out.push(`${pad}tightest: ${figure(t)} (${Math.round((t.load / t.limit) * 100)} %)`);
    }
  });
  if (r.steps.some((s) => !s.total.complete && s.total.sum > 0)) out.push("  (+? : a step before it has no cost)");
  const assumptions = [...new Set(r.steps.flatMap((s) => s.report.assumptions))];
  if (assumptions.length > 0) out.push("  Assumptions to confirm:", ...assumptions.map((a) => `    - ${a}`));
  if (r.reordering) {
    if (r.reordering.kind === "found") {
      const order = r.reordering.order.map((i) => r.steps[i]!);
      let sum = 0;
      let complete = true;
      out.push("  An order of the same steps that keeps every step within budget:");
      for (const s of order) {
        if (s.cost === undefined) complete = false;
        else sum += s.cost;
        out.push(`    ${s.number}. ${s.title}${s.cost !== undefined || sum > 0 ? ` (total ${money(sum, cur)}${complete ? "" : " + steps without a cost"})` : ""}`);
      }
    } else {
      out.push(`  Reordering: none; ${r.reordering.reason}.`);
      const last = r.steps[r.steps.length - 1]!;
      if (last.report.status !== "ok" && last.report.suggestions.length > 0) {
        out.push(`  Ways out at step ${last.number} (${last.title}):`, ...last.report.suggestions.map((x) => `    - ${x}`));
      }
    }
  }
  return out.join("\n");
}

function money(n: number, currency: string): string {
  return `${currency}${Math.round(n).toLocaleString("en-US")}`;
}

function total(s: RoadmapStep, currency: string): string {
  if (s.total.sum === 0 && !s.total.complete) return "-";
  return `${money(s.total.sum, currency)}${s.total.complete ? "" : "+?"}`;
}

function figure(l: BudgetLine): string {
  const u = l.unit === "connectors" ? "" : ` ${l.unit}`;
  const n = (x: number) => (l.unit === "W" ? Math.round(x).toString() : x.toString());
  return `${l.title} ${n(l.load)}${u} of ${n(l.limit)}${u}`;
}

/** The watt or gigabyte line closest to its limit, as a share of it (a full set of connectors is no warning). */
export function tightest(lines: readonly BudgetLine[]): BudgetLine | undefined {
  return [...lines].filter((l) => l.limit > 0 && l.unit !== "connectors").sort((a, b) => b.load / b.limit - a.load / a.limit)[0];
}

/** The same roadmap for machines. */
export function roadmapJson(r: RoadmapReport): unknown {
  return {
    file: r.file,
    status: r.status,
    name: r.roadmap?.name,
    problems: r.problems,
    currency: r.roadmap?.currency,
    steps: r.steps.map((s) => ({
      number: s.number,
      title: s.title,
      profile: s.file,
      cost: s.cost,
      total: s.total,
      breaks: s.breaks,
      mends: s.mends,
      check: reportJson(s.report),
    })),
    reordering: r.reordering ? (r.reordering.kind === "found" ? { kind: "found", order: r.reordering.order.map((i) => i + 1) } : r.reordering) : undefined,
  };
}
