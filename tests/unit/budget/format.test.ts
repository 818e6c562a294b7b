import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { checkProfileFile, type CheckReport } from "../../../src/budget/check.js";
import { formatReport } from "../../../src/budget/format.js";
import { line, type BudgetLine } from "../../../src/budget/types.js";

const ROOT = join(import.meta.dirname, "../../..");
const SHIPPED = ["base", "dual-gpu", "quad-gpu", "a16z", "serving-4x70b", "serving-405b-int4", "claims-405b-fp16", "claims-405b-one-gpu"];

/** The table rows of a report: [title, load, limit, margin, verdict]. */
function rows(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => /\s(ok|OVER)$/.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
}
const num = (cell: string) => Number(cell.replace(/[^\d.+-]/g, ""));

describe("the report adds up", () => {
  it.each(SHIPPED)("%s: every row's margin is its shown limit less its shown load, and its sign agrees with its verdict", (name) => {
    const text = formatReport(checkProfileFile(join(ROOT, `profiles/${name}.yaml`)));
    const table = rows(text);
    expect(table.length).toBeGreaterThan(0);
    for (const [title, load, limit, margin, verdict] of table) {
      expect(num(margin!), title).toBeCloseTo(num(limit!) - num(load!), 6);
      expect(margin!.startsWith("-"), `${title}: ${margin} ${verdict}`).toBe(verdict === "OVER");
    }
  });

  it.each(SHIPPED)("%s: the header prints the figures the table prints", (name) => {
    const text = formatReport(checkProfileFile(join(ROOT, `profiles/${name}.yaml`)));
    const head = text.match(/at the wall: sustained (\d+) W, peak (\d+) W/)!;
    const table = rows(text);
    expect(table.find((r) => r[0] === "Circuit continuous")![1]).toBe(`${head[1]} W`);
    expect(table.find((r) => r[0] === "Circuit peak")![1]).toBe(`${head[2]} W`);
  });

  it.each(SHIPPED)("%s: no note is printed twice, nor one per service when it says the same of each", (name) => {
    const r = checkProfileFile(join(ROOT, `profiles/${name}.yaml`));
    expect(new Set(r.notes).size).toBe(r.notes.length);
    const bodies = r.notes.map((n) => n.replace(/^[^:]*: /, ""));
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it.each<[string, Partial<BudgetLine>, string[]]>([
    ["a half-watt over shows tenths, not +0 W", { load: 1440.4, limit: 1440 }, ["1440.4 W", "1440.0 W", "-0.4 W", "OVER"]],
    ["half a watt under rounds as the header would", { load: 1723.5, limit: 2400 }, ["1724 W", "2400 W", "+676 W", "ok"]],
    ["exactly at the limit fits", { load: 4, limit: 4, unit: "connectors" }, ["4", "4", "+0", "ok"]],
  ])("%s", (_what, l, want) => {
    const b = line({ id: "x", group: "power", title: "X", unit: "W", detail: "d", load: 0, limit: 0, ...l });
    const r: CheckReport = { file: "f", status: b.ok ? "ok" : "refused", files: [], problems: [], lines: [b], suggestions: [], notes: [], assumptions: [] };
    expect(rows(formatReport(r))[0]!.slice(1)).toEqual(want);
  });
});
