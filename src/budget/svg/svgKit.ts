/**
 * The few SVG pieces the budget pictures are drawn from: escaped text, rectangles, lines,
 * and one horizontal bar of stacked segments against a limit. Plain strings, no DOM, so the
 * pictures are byte-for-byte reproducible and the README's copies can be checked for drift.
 */

const FONT = "DejaVu Sans, Verdana, Arial, sans-serif";

/** Colours by part, readable on white and distinct in greyscale order. */
export const COLOURS: Readonly<Record<string, string>> = {
  gpu: "#2f6db5",
  cpu: "#d9822b",
  memory: "#7a5aa6",
  drive: "#3c9a6b",
  platform: "#8a8a8a",
  losses: "#c9b458",
  weights: "#2f6db5",
  kv: "#58a4d6",
  runtime: "#7a5aa6",
  graphs: "#c07ab8",
  pool: "#cfe3f3",
  load: "#5b7fa6",
};
export const OK = "#2e7d32";
export const OVER = "#c62828";
export const WARN = "#b26a00";

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Approximate width of text in this font, for deciding whether a label fits inside a segment. */
export function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

export function text(x: number, y: number, s: string, o: { size?: number; anchor?: "start" | "middle" | "end"; fill?: string; weight?: "bold"; extra?: string } = {}): string {
  const attrs = [`x="${r1(x)}"`, `y="${r1(y)}"`, `font-size="${o.size ?? 12}"`];
  if (o.anchor && o.anchor !== "start") attrs.push(`text-anchor="${o.anchor}"`);
  if (o.fill) attrs.push(`fill="${o.fill}"`);
  if (o.weight) attrs.push(`font-weight="${o.weight}"`);
  return `<text ${attrs.join(" ")}${o.extra ?? ""}>${esc(s)}</text>`;
}

export function rect(x: number, y: number, w: number, h: number, fill: string, extra = ""): string {
  return `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(Math.max(0, w))}" height="${r1(h)}" fill="${fill}"${extra ? ` ${extra}` : ""}/>`;
}

function vline(x: number, y1: number, y2: number, stroke: string, width = 2, dash = ""): string {
  return `<line x1="${r1(x)}" y1="${r1(y1)}" x2="${r1(x)}" y2="${r1(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
}

export function r1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

export function document(width: number, height: number, title: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r1(height)}" viewBox="0 0 ${width} ${r1(height)}" font-family="${FONT}">`,
    `<title>${esc(title)}</title>`,
    `<defs><pattern id="over" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="6" fill="${OVER}" fill-opacity="0.45"/></pattern></defs>`,
    rect(0, 0, width, height, "#ffffff"),
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

export interface Segment {
  readonly label: string;
  readonly value: number;
  readonly colour: string;
  /** Drawn lighter and not counted in the load (vLLM's KV pool: reserved, filled at run time). */
  readonly reserve?: boolean;
}

export interface BarRow {
  readonly id: string;
  readonly label: string;
  readonly segments: readonly Segment[];
  readonly load: number;
  readonly limit: number;
  readonly ok: boolean;
  readonly unit: string;
  /** What the limit is, drawn above its marker (`1440 W = 90 % of 1600 W`). */
  readonly limitLabel: string;
  /** Where the solid limit line is drawn, when it is not `limit` (a GPU row: the card, while its figures may be a vLLM share). */
  readonly marker?: number;
  /** A second, dashed marker (a vLLM fraction), with its label. */
  readonly inner?: { readonly at: number; readonly label: string };
  /** The stretch of the bar over its limit, in the row's units, when it is not [limit, load]. */
  readonly overRange?: readonly [number, number];
  /** Which limit the figures on the right are against, when it is not obvious (`its 0.90 share`). */
  readonly against?: string;
}

export const LABEL_X = 16;
const BAR_X = 250;
export const BAR_W = 520;
const RIGHT_X = BAR_X + BAR_W + 16;
export const ROW_H = 52;

/** One bar row: label left, stacked segments, the limit as a line across the bar, figures right. */
export function barRow(b: BarRow, y: number, scale: number): string[] {
  const out: string[] = [`<g data-budget="${esc(b.id)}" data-load="${b.load}" data-limit="${b.limit}" data-ok="${b.ok}">`];
  const top = y + 18;
  const h = 22;
  const [first, second] = wrap(b.label, BAR_X - LABEL_X - 12, 13);
  if (second) out.push(text(LABEL_X, top + 8, first!, { size: 13 }), text(LABEL_X, top + 23, second, { size: 13 }));
  else out.push(text(LABEL_X, top + 15, first!, { size: 13 }));
  // Segments, the part over the limit, the limit lines, then the labels with a halo, so nothing hides a figure.
  const labels: string[] = [];
  let x = BAR_X;
  for (const s of b.segments) {
    const w = s.value * scale;
    out.push(`<g data-part="${esc(s.label)}" data-value="${round(s.value)}"${s.reserve ? ` data-reserve="true"` : ""}>`);
    out.push(rect(x, top, w, h, s.colour, s.reserve ? `stroke="${COLOURS.kv}" stroke-dasharray="3 2"` : ""));
    out.push("</g>");
    const inside = s.label ? `${s.label} ${fmt(s.value, b.unit)}` : fmt(s.value, b.unit);
    const fill = s.reserve ? "#1d4f7a" : "#ffffff";
    const halo = s.reserve ? "" : ` stroke="#1f2d3d" stroke-width="2" stroke-opacity="0.45" paint-order="stroke"`;
    // A long segment labels itself at its left end, away from the limit lines further right.
    if (w > 160) labels.push(text(x + 8, top + 15, inside, { size: 11, fill, extra: halo }));
    else if (textWidth(inside, 11) + 6 <= w) labels.push(text(x + w / 2, top + 15, inside, { size: 11, anchor: "middle", fill, extra: halo }));
    else if (textWidth(fmt(s.value, b.unit), 11) + 4 <= w) labels.push(text(x + w / 2, top + 15, fmt(s.value, b.unit), { size: 11, anchor: "middle", fill, extra: halo }));
    x += w;
  }
  const limitX = BAR_X + (b.marker ?? b.limit) * scale;
  const [from, to] = b.overRange ?? (b.marker === undefined ? [b.limit, b.load] : [0, 0]);
  if (!b.ok && to > from) out.push(rect(BAR_X + from * scale, top, (to - from) * scale, h, "url(#over)", `stroke="${OVER}" stroke-width="1.5"`));
  if (b.inner) out.push(vline(BAR_X + b.inner.at * scale, top - 3, top + h + 3, "#111111", 2, "5 3"));
  out.push(vline(limitX, top - 3, top + h + 5, b.ok ? "#222222" : OVER, 2.5));
  out.push(...labels);
  const labelText = b.inner ? `${b.limitLabel}; dashed: ${b.inner.label}` : b.limitLabel;
  const anchorEnd = limitX + textWidth(labelText, 10) / 2 > BAR_X + BAR_W + 10;
  out.push(text(anchorEnd ? limitX : Math.max(BAR_X + textWidth(labelText, 10) / 2, limitX), top - 7, labelText, { size: 10, anchor: anchorEnd ? "end" : "middle", fill: "#333333" }));
  const margin = b.limit - b.load;
  const u = b.unit ? ` ${b.unit}` : "";
  out.push(text(RIGHT_X, top + 9, `${fmt(b.load, b.unit)} of ${fmt(b.limit, b.unit)}${u}`, { size: 12 }));
  if (b.against) out.push(text(RIGHT_X, top + 36, `against ${b.against}`, { size: 10, fill: "#555555" }));
  out.push(text(RIGHT_X, top + 23, b.ok ? `ok, ${fmt(margin, b.unit)}${u} spare` : `OVER by ${fmt(-margin, b.unit)}${u}`, { size: 12, weight: "bold", fill: b.ok ? OK : OVER }));
  out.push("</g>");
  return out;
}

/** The text, shortened with an ellipsis to fit `width` pixels. */
export function clip(s: string, width: number, size: number): string {
  if (textWidth(s, size) <= width) return s;
  const n = Math.floor(width / (size * 0.6)) - 1;
  return `${s.slice(0, Math.max(1, n))}…`;
}

/** Watts to the watt, anything else to a tenth, as the report's table prints them. */
export function fmt(n: number, unit = "W"): string {
  return unit === "W" || unit === "" || unit === "connectors" ? Math.round(n).toString() : n.toFixed(1);
}

/** The text in at most two lines of `width` pixels, broken at a space; the second clipped. */
function wrap(s: string, width: number, size: number): [string, string?] {
  if (textWidth(s, size) <= width) return [s];
  const room = Math.floor(width / (size * 0.6));
  const cut = s.lastIndexOf(" ", room);
  if (cut <= 0) return [clip(s, width, size)];
  return [s.slice(0, cut), clip(s.slice(cut + 1), width, size)];
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}
