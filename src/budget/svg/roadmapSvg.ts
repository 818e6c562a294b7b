import type { RoadmapReport } from "../roadmap.js";
import type { BudgetLine } from "../types.js";
import { LABEL_X, OK, OVER, WARN, clip, document, esc, fmt, rect, text, textWidth } from "./svgKit.js";

const WIDTH = 960;
const GRID_X = 230;
const ROW = 34;
/** Above this share of a limit a budget is drawn as nearly full. */
const TIGHT = 0.9;

/** Budgets in the order a person reads them: PSU, circuit, UPS, then memory. */
const ORDER = ["psu-sustained", "psu-peak", "psu-transient", "psu-connectors", "circuit-continuous", "circuit-peak", "ups"];

/**
 * The roadmap as a picture: one column per step, one row per budget, each cell the load as a
 * share of its limit, green within 90 %, amber up to the limit, red and hatched over it; the
 * step's verdict and the cumulative cost below. Every figure is the report's own (`--json`).
 */
export function roadmapSvg(r: RoadmapReport): string {
  const steps = r.steps;
  const ids = budgetIds(steps.map((s) => s.report.lines));
  const colW = Math.min(120, (WIDTH - GRID_X - LABEL_X) / Math.max(1, steps.length));
  const body: string[] = [];
  const name = r.roadmap?.name ?? r.file;
  body.push(text(LABEL_X, 26, name, { size: 16, weight: "bold" }));
  if (r.roadmap?.description) body.push(text(LABEL_X + textWidth(name, 16) * 1.08 + 12, 26, clip(r.roadmap.description, WIDTH - 2 * LABEL_X - textWidth(name, 16) * 1.08 - 12, 12), { size: 12, fill: "#444444" }));
  const first = steps.find((s) => s.report.status !== "ok");
  body.push(text(LABEL_X, 46, first ? `REFUSED from step ${first.number}: ${first.title}` : `every step fits`, { size: 13, weight: "bold", fill: first ? OVER : OK }));

  // Column heads: the step's number and its title, wrapped into three short lines.
  const headTop = 64;
  steps.forEach((s, i) => {
    const cx = GRID_X + i * colW + colW / 2;
    body.push(text(cx, headTop + 12, `${s.number}`, { size: 13, weight: "bold", anchor: "middle" }));
    lines(s.title, colW - 6, 10, 4).forEach((l, k) => body.push(text(cx, headTop + 26 + k * 12, l, { size: 10, anchor: "middle", fill: "#333333" })));
  });
  let y = headTop + 26 + 4 * 12;

  for (const id of ids) {
    const title = steps.flatMap((s) => s.report.lines).find((l) => l.id === id)!.title;
    body.push(text(LABEL_X, y + ROW / 2 + 4, clip(title, GRID_X - LABEL_X - 8, 12), { size: 12 }));
    steps.forEach((s, i) => {
      const l = s.report.lines.find((x) => x.id === id);
      body.push(...cell(l, s.number, GRID_X + i * colW, y, colW));
    });
    y += ROW;
  }

  // Verdict and cumulative cost per step.
  const cur = r.roadmap?.currency ?? "$";
  body.push(text(LABEL_X, y + 18, "verdict", { size: 12, weight: "bold" }));
  body.push(text(LABEL_X, y + 38, "cost so far", { size: 12, weight: "bold" }));
  steps.forEach((s, i) => {
    const cx = GRID_X + i * colW + colW / 2;
    const ok = s.report.status === "ok";
    body.push(text(cx, y + 18, ok ? "fits" : "REFUSED", { size: 11, weight: "bold", anchor: "middle", fill: ok ? OK : OVER }));
    const total = s.total.sum > 0 || s.total.complete ? `${cur}${Math.round(s.total.sum).toLocaleString("en-US")}${s.total.complete ? "" : "+?"}` : "-";
    body.push(`<g data-step="${s.number}" data-total="${s.total.sum}">${text(cx, y + 38, total, { size: 10, anchor: "middle" })}</g>`);
  });
  y += 52;

  const key: [string, string][] = [
    [`within ${Math.round(TIGHT * 100)} % of the limit`, "#d7ecd9"],
    [`${Math.round(TIGHT * 100)}-100 %`, "#f7e3bf"],
    ["over the limit", "#f6c9c9"],
  ];
  let x = LABEL_X;
  for (const [label, colour] of key) {
    body.push(rect(x, y, 14, 14, colour, `stroke="#999999"`), text(x + 20, y + 11, label, { size: 11 }));
    x += 40 + textWidth(label, 11);
  }
  body.push(text(LABEL_X, y + 32, "Each cell: the load as a share of that step's limit, then load/limit. (+? : a step before it has no cost.)", { size: 11, fill: "#555555" }));
  return document(WIDTH, y + 44, `aiws roadmap: ${name}`, body);
}

function budgetIds(all: readonly (readonly BudgetLine[])[]): string[] {
  const seen = [...new Set(all.flatMap((ls) => ls.map((l) => l.id)))];
  const rank = (id: string) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length);
  return seen.sort((a, b) => rank(a) - rank(b));
}

function cell(l: BudgetLine | undefined, step: number, x: number, y: number, w: number): string[] {
  if (!l) return [rect(x + 2, y + 2, w - 4, ROW - 4, "#f3f3f3"), text(x + w / 2, y + ROW / 2 + 4, "-", { size: 11, anchor: "middle", fill: "#999999" })];
  const share = l.limit > 0 ? l.load / l.limit : l.ok ? 0 : Infinity;
  const fill = !l.ok ? "#f6c9c9" : share > TIGHT ? "#f7e3bf" : "#d7ecd9";
  const ink = !l.ok ? OVER : share > TIGHT ? WARN : "#1b5e20";
  const u = l.unit === "connectors" ? "" : ` ${l.unit}`;
  const figures = `${fmt(l.load, l.unit)}/${fmt(l.limit, l.unit)}`;
  return [
    `<g data-step="${step}" data-budget="${esc(l.id)}" data-load="${l.load}" data-limit="${l.limit}" data-ok="${l.ok}">`,
    rect(x + 2, y + 2, w - 4, ROW - 4, fill, !l.ok ? `stroke="${OVER}" stroke-width="1.5"` : ""),
    text(x + w / 2, y + 15, Number.isFinite(share) ? `${Math.round(share * 100)} %` : "over", { size: 12, weight: "bold", anchor: "middle", fill: ink }),
    text(x + w / 2, y + 27, textWidth(figures + u, 9) <= w - 6 ? figures + u : clip(figures, w - 6, 9), { size: 9, anchor: "middle", fill: "#333333" }),
    "</g>",
  ];
}

/** Words into at most `max` lines of `width` pixels; the last clipped. */
function lines(s: string, width: number, size: number, max: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const word of s.split(" ")) {
    const next = cur ? `${cur} ${word}` : word;
    if (textWidth(next, size) <= width || !cur) cur = next;
    else {
      out.push(cur);
      cur = word;
    }
  }
  if (cur) out.push(cur);
  if (out.length > max) out.splice(max - 1, out.length, out.slice(max - 1).join(" "));
  return out.map((l) => clip(l, width, size));
}
