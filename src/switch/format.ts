import type { ProfileSwitch } from "./diff.js";
import type { SwitchGate } from "./gate.js";

/** The switch, side by side: hardware, each budget before and after, the steps, the verdict. */
export function formatSwitch(fromName: string, toName: string, d: ProfileSwitch, gate: SwitchGate): string {
  const out: string[] = [`switch: ${fromName} -> ${toName}`];
  out.push("", "Hardware:");
  if (d.hardware.length === 0) out.push("  (no change)");
  const hwRows = d.hardware.map((c) => [c.path.replace(/^hardware\./, ""), String(c.from), String(c.to)]);
  out.push(...columns([["", fromName, toName], ...hwRows]));
  out.push("", "Budgets:");
  const bRows = d.budgets.map((b) => [b.title, side(b.before, b.unit), side(b.after, b.unit)]);
  out.push(...columns([["", fromName, toName], ...bRows]));
  out.push("", "Steps:");
  if (d.steps.length === 0) out.push("  (no change)");
  for (const s of d.steps) out.push(`  ${sign(s.change)} ${s.id.padEnd(28)} ${s.title}${s.destructive && s.change !== "removed" ? "  [DESTRUCTIVE]" : ""}`);
  if (d.layoutChange) out.push("", `Storage layout: ${d.layoutChange.from} -> ${d.layoutChange.to} (a migration: back up, verify, rebuild, restore, verify)`);
  if (d.drivesAtRisk.length > 0) out.push(`Drives whose contents may be destroyed: ${d.drivesAtRisk.join(", ")}`);
  out.push("");
  if (gate.allowed) out.push(gate.destructive ? "Allowed: drives confirmed and a fresh, verified backup exists." : "Allowed: nothing in this switch can destroy data.");
  else out.push("REFUSED:", ...gate.refusals.map((r) => `  - ${r}`));
  return out.join("\n");
}

function sign(c: "added" | "changed" | "removed"): string {
  return c === "added" ? "+" : c === "removed" ? "-" : "~";
}

function side(v: { load: number; limit: number; ok: boolean } | undefined, unit: string): string {
  if (!v) return "-";
  const u = unit === "connectors" ? "" : ` ${unit}`;
  const n = (x: number) => (unit === "W" ? Math.round(x) : x);
  return `${n(v.load)}/${n(v.limit)}${u} ${v.ok ? "ok" : "OVER"}`;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd());
}
