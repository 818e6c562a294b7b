import type { CheckReport } from "../check.js";
import { powerLines } from "../power.js";
import type { ComponentDraw } from "../powerLoads.js";
import type { BudgetLine } from "../types.js";
import { loadModels } from "../vramModels.js";
import { gpuUsage, type GpuUsage } from "../vramUsage.js";
import { BAR_W, COLOURS, LABEL_X, OK, OVER, ROW_H, barRow, clip, document, fmt, rect, round, text, textWidth, type BarRow, type Segment } from "./svgKit.js";

const WIDTH = 960;

/**
 * A profile's budgets as a picture: the power draw stacked by part against the PSU, circuit
 * and UPS limits, then each GPU's memory (weights, KV cache, runtime, vLLM's reserved pool and
 * its CUDA graphs) against what the driver exposes. Every figure is the report's own (`--json`).
 */
export function budgetSvg(r: CheckReport): string {
  if (!r.profile) throw new Error(`budgetSvg: ${r.file} has no profile to draw`);
  const p = r.profile;
  const byId = new Map(r.lines.map((l) => [l.id, l]));
  const loads = powerLines(p.hardware, p.budget).loads;
  const body: string[] = [];
  let y = 0;

  body.push(text(LABEL_X, 26, p.name, { size: 16, weight: "bold" }));
  if (p.description) body.push(text(LABEL_X + textWidth(p.name, 16) * 1.08 + 12, 26, clip(p.description, WIDTH - 2 * LABEL_X - textWidth(p.name, 16) * 1.08 - 12, 12), { size: 12, fill: "#444444" }));
  body.push(text(LABEL_X, 46, r.status === "ok" ? "fits every budget" : `REFUSED: ${r.lines.filter((l) => !l.ok).length} budget(s) over`, { size: 13, weight: "bold", fill: r.status === "ok" ? OK : OVER }));
  y = 62;

  // Power: one common scale, so the bars compare with each other.
  const sustained = parts(loads.components, "typical");
  const peak = parts(loads.components, "peak");
  const losses = (dc: number, wall: number): Segment => ({ label: "PSU losses", value: wall - dc, colour: COLOURS.losses! });
  const psu = p.hardware.psu;
  const power: BarRow[] = [];
  const add = (id: string, label: string, segments: Segment[], limitLabel: string) => {
    const l = byId.get(id);
    if (l) power.push({ id, label, segments, load: l.load, limit: l.limit, ok: l.ok, unit: "W", limitLabel });
  };
  const c = p.hardware.circuit;
  const w = (id: string) => fmt(byId.get(id)?.limit ?? 0);
  add("psu-sustained", "PSU, sustained (DC)", sustained, `${w("psu-sustained")} W: ${fmt(p.budget.psuHeadroom * 100)} % of the ${psu.ratedW} W PSU`);
  add("psu-peak", "PSU, peak (DC)", peak, `${psu.ratedW} W: the PSU's rating`);
  add("circuit-continuous", "Circuit, continuous (wall)", [...sustained, losses(loads.sustainedDc, loads.sustainedWall)], `${w("circuit-continuous")} W: ${fmt(c.continuousFraction * 100)} % of ${c.volts} V / ${c.amps} A`);
  add("circuit-peak", "Circuit, peak (wall)", [...peak, losses(loads.peakDc, loads.peakWall)], `${w("circuit-peak")} W: the ${c.volts} V / ${c.amps} A breaker`);
  add("ups", "UPS, peak (wall)", [...peak, losses(loads.peakDc, loads.peakWall)], `${w("ups")} W: the UPS's rating`);
  y = section(body, y, "Power, W");
  const powerScale = BAR_W / (Math.max(...power.flatMap((b) => [b.load, b.limit])) * 1.04);
  for (const b of power) {
    body.push(...barRow(b, y, powerScale));
    y += ROW_H;
  }
  for (const id of ["psu-transient", "psu-connectors"]) {
    const l = byId.get(id);
    if (!l) continue;
    const what = id === "psu-transient" ? `GPU transients (100 us): ${fmt(l.load)} of the ${fmt(l.limit)} W the PSU rides` : `12V-2x6 connectors: ${l.load} needed, ${l.limit} on the PSU`;
    body.push(`<g data-budget="${id}" data-load="${l.load}" data-limit="${l.limit}" data-ok="${l.ok}">`);
    body.push(text(LABEL_X, y + 14, `${what}: ${l.ok ? "ok" : "OVER"}`, { size: 12, weight: l.ok ? undefined : "bold", fill: l.ok ? "#333333" : OVER }));
    body.push("</g>");
    y += 20;
  }

  // VRAM per GPU: one scale for all cards.
  const usage = p.inference.services.length > 0 ? gpuUsage(p, loadModels()) : [];
  const gpuRows = usage.filter((u) => u.parts.length > 0).map((u) => gpuRow(u, byId.get(`vram-gpu${u.slot.index}`)));
  if (gpuRows.length > 0) {
    y = section(body, y + 8, "Memory per GPU, GB");
    const scale = BAR_W / (Math.max(...gpuRows.flatMap((b) => [b.segments.reduce((a, s) => a + s.value, 0), b.limit, b.inner ? 0 : 0]), ...usage.map((u) => u.slot.capacityGB)) * 1.04);
    for (const b of gpuRows) {
      body.push(...barRow(b, y, scale));
      y += ROW_H;
    }
  }

  // Whatever else the report checks (RAM offload, decode speed, unsized models): one bar each, its own scale.
  const drawn = new Set([...power.map((b) => b.id), ...gpuRows.map((b) => b.id), "psu-transient", "psu-connectors"]);
  const rest = r.lines.filter((l) => !drawn.has(l.id) && !(l.id.startsWith("vram-gpu") && l.load === 0));
  if (rest.length > 0) {
    y = section(body, y + 8, "Other budgets");
    for (const l of rest) {
      const max = Math.max(l.load, l.limit, 1e-9) * 1.04;
      body.push(...barRow(otherRow(l), y, BAR_W / max));
      y += ROW_H;
    }
  }

  y = legend(body, y + 10, [
    ["GPUs", COLOURS.gpu!],
    ["CPU", COLOURS.cpu!],
    ["RAM", COLOURS.memory!],
    ["drives", COLOURS.drive!],
    ["board, fans", COLOURS.platform!],
    ["PSU losses", COLOURS.losses!],
    ...(gpuRows.length > 0
      ? ([
          ["weights", COLOURS.weights!],
          ["KV cache", COLOURS.kv!],
          ["runtime", COLOURS.runtime!],
          ["CUDA graphs", COLOURS.graphs!],
          ["vLLM pool", COLOURS.pool!],
        ] as [string, string][])
      : []),
  ]);
  body.push(text(LABEL_X, y + 14, "Solid line: the limit (red when exceeded). Dashed: a vLLM memory fraction. Hatched: the part over the limit.", { size: 11, fill: "#555555" }));
  return document(WIDTH, y + 26, `aiws budgets: ${p.name}`, body);
}

function section(body: string[], y: number, title: string): number {
  body.push(text(LABEL_X, y + 18, title, { size: 14, weight: "bold" }));
  body.push(rect(LABEL_X, y + 24, WIDTH - 2 * LABEL_X, 1, "#bbbbbb"));
  return y + 28;
}

/** Parts of the power draw, grouped as a person names them. */
function parts(components: readonly ComponentDraw[], state: "typical" | "peak"): Segment[] {
  const groups: [string, ComponentDraw["kind"]][] = [
    ["GPUs", "gpu"],
    ["CPU", "cpu"],
    ["RAM", "memory"],
    ["drives", "drive"],
    ["board, fans", "platform"],
  ];
  return groups
    .map(([label, kind]) => ({ label, value: components.filter((c) => c.kind === kind).reduce((a, c) => a + c.count * c.draw[state], 0), colour: COLOURS[kind]! }))
    .filter((s) => s.value > 0);
}

function gpuRow(u: GpuUsage, l: BudgetLine | undefined): BarRow {
  const cap = u.slot.capacityGB;
  const segments: Segment[] = u.parts.flatMap((g) => {
    const who = u.parts.length > 1 ? `${g.service} ` : "";
    return [
      { label: `${who}weights`, value: g.weightsGB, colour: COLOURS.weights! },
      { label: "KV", value: g.kvGB, colour: COLOURS.kv! },
      { label: "runtime", value: g.runtimeGB, colour: COLOURS.runtime! },
      ...(g.poolGB > 0 ? [{ label: "pool", value: g.poolGB, colour: COLOURS.pool!, reserve: true }] : []),
      ...(g.graphsGB > 0 ? [{ label: "graphs", value: g.graphsGB, colour: COLOURS.graphs! }] : []),
    ];
  });
  const vllm = u.parts.filter((g) => g.fraction !== undefined);
  const usable = u.slot.usableMiB !== undefined ? `${u.slot.usableMiB} MiB usable` : `${u.slot.vramGiB} GiB`;
  const offset = u.parts.slice(0, u.parts.indexOf(vllm[0]!)).reduce((a, g) => a + g.weightsGB + g.kvGB + g.runtimeGB + g.poolGB + g.graphsGB, 0);
  return {
    id: `vram-gpu${u.slot.index}`,
    label: `GPU ${u.slot.index}: ${u.parts.map((g) => g.service).join(" + ")}`,
    segments,
    load: l?.load ?? round(segments.reduce((a, s) => a + s.value, 0)),
    limit: l?.limit ?? round(cap),
    ok: l?.ok ?? true,
    unit: "GB",
    limitLabel: `card ${fmt(cap, "GB")} GB (${usable})`,
    // The card is the solid line; one vLLM service's fraction of it is the dashed one.
    marker: cap,
    ...(vllm.length === 1 ? { inner: { at: offset + vllm[0]!.fraction! * cap, label: `${vllm[0]!.fraction!.toFixed(2)} share` } } : {}),
    // Over its share (one service): hatch from the share to its need; over the card: from the card to the total.
    ...(l && !l.ok && u.parts.length === 1 ? { overRange: [l.limit, l.load] as const } : {}),
    ...(l && !l.ok && u.parts.length > 1 && Math.abs(l.limit - round(cap)) <= 0.05 ? { overRange: [cap, segments.reduce((a, s) => a + s.value, 0)] as const } : {}),
    ...(l && Math.abs(l.limit - round(cap)) > 0.05 ? { against: vllm.length === 1 ? `its ${vllm[0]!.fraction!.toFixed(2)} share` : "a share" } : {}),
  };
}

function otherRow(l: BudgetLine): BarRow {
  const unit = l.unit === "connectors" ? "" : l.unit;
  return { id: l.id, label: l.title, segments: [{ label: "", value: l.load, colour: COLOURS.load! }], load: l.load, limit: l.limit, ok: l.ok, unit, limitLabel: `${fmt(l.limit, unit)} ${unit}`.trim() };
}

function legend(body: string[], y: number, items: readonly [string, string][]): number {
  let x = LABEL_X;
  for (const [label, colour] of items) {
    const w = 18 + label.length * 7 + 18;
    if (x + w > WIDTH - LABEL_X) {
      x = LABEL_X;
      y += 20;
    }
    body.push(rect(x, y + 3, 12, 12, colour, colour === COLOURS.pool ? `stroke="${COLOURS.kv}"` : ""));
    body.push(text(x + 17, y + 13, label, { size: 11 }));
    x += w;
  }
  return y + 20;
}
