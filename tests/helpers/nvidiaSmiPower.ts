/**
 * A reader of `nvidia-smi -q -d POWER`, kept as a test oracle: checked against real drivers'
 * output (tests/fixtures/nvidia-smi, both section layouts), it holds the lab's stand-in
 * (lab/nvidia-smi) to the same layout. The product reads nvidia-smi through --query-gpu only.
 */
import { smiValue, type SmiValue } from "../../src/nvidia-smi/parse.js";

/** Which `-q -d POWER` layout a section was read from. */
export type PowerLayout = "gpu-power-readings" | "power-readings" | "unlabelled";

/**
 * One GPU's power readings from `nvidia-smi -q -d POWER`, named after the `--query-gpu`
 * fields they correspond to. Every figure is in watts, null when absent or unavailable.
 *
 * The labels differ by driver: the old `Power Readings` section says `Power Limit` (the
 * software limit, power.limit) and `Enforced Power Limit`; the new `GPU Power Readings`
 * section says `Requested Power Limit` for the software limit and `Current Power Limit` for
 * the one in force (NVIDIA's docs describe the two the other way round; the output, e.g.
 * Current 500 W while Requested 700 W on a capped card, shows this mapping).
 */
export interface PowerReadings {
  /** `GPU 00000000:06:00.0` header above the section, when the text has one. */
  readonly busId: string | null;
  readonly layout: PowerLayout;
  /** `Supported` / `N/A`: old layout only. */
  readonly management: string | null;
  /** power.draw: old `Power Draw`, new `Average Power Draw`. */
  readonly drawW: number | null;
  /** power.draw.instant: new `Instantaneous Power Draw`. */
  readonly instantDrawW: number | null;
  /** power.limit, the limit set by software (`-pl`): old `Power Limit`, new `Requested Power Limit`. */
  readonly limitW: number | null;
  /** enforced.power.limit, the most conservative of all limiters: old `Enforced Power Limit`, new `Current Power Limit`. */
  readonly enforcedLimitW: number | null;
  readonly defaultLimitW: number | null;
  readonly minLimitW: number | null;
  readonly maxLimitW: number | null;
}

const LABELS: Record<string, keyof Omit<PowerReadings, "busId" | "layout">> = {
  "power management": "management",
  "power draw": "drawW",
  "average power draw": "drawW",
  "instantaneous power draw": "instantDrawW",
  "power limit": "limitW",
  "requested power limit": "limitW",
  "enforced power limit": "enforcedLimitW",
  "current power limit": "enforcedLimitW",
  "default power limit": "defaultLimitW",
  "min power limit": "minLimitW",
  "max power limit": "maxLimitW",
};

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * Parses `nvidia-smi -q -d POWER` (whole report or only the section): one entry per GPU.
 * Reads the `GPU Power Readings` section (newer drivers) or `Power Readings` (older), and
 * ignores the neighbouring `GPU Memory Power Readings`, `Module Power Readings` and
 * `Power Samples` sections. A fragment without a section header is read as one section.
 */
export function parsePowerSection(text: string): PowerReadings[] {
  const out: PowerReadings[] = [];
  let busId: string | null = null;
  let current: { layout: PowerLayout; indent: number; values: Partial<Record<string, SmiValue>> } | null = null;
  let skipIndent: number | null = null;

  const flush = () => {
    if (!current) return;
    const v = current.values;
    const num = (k: string) => (typeof v[k] === "number" ? (v[k] as number) : null);
    out.push({
      busId,
      layout: current.layout,
      management: typeof v.management === "string" ? v.management : null,
      drawW: num("drawW"),
      instantDrawW: num("instantDrawW"),
      limitW: num("limitW"),
      enforcedLimitW: num("enforcedLimitW"),
      defaultLimitW: num("defaultLimitW"),
      minLimitW: num("minLimitW"),
      maxLimitW: num("maxLimitW"),
    });
    current = null;
  };

  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === "") continue;
    const indent = indentOf(raw);
    const line = raw.trim();
    const gpu = /^GPU ([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])$/.exec(line);
    if (gpu) {
      flush();
      busId = gpu[1]!;
      skipIndent = null;
      continue;
    }
    const colon = line.indexOf(" : ") >= 0 ? line.indexOf(" : ") : line.endsWith(" :") ? line.length - 2 : -1;
    if (colon < 0) {
      // A section header.
      if (current && indent <= current.indent) flush();
      const name = line.toLowerCase();
      if (name === "gpu power readings" || name === "power readings") {
        flush();
        current = { layout: name === "gpu power readings" ? "gpu-power-readings" : "power-readings", indent, values: {} };
        skipIndent = null;
      } else if (current) {
        // A sub-section inside ours (Power Samples on some drivers): skip its lines.
        skipIndent = indent;
      } else {
        skipIndent = indent;
      }
      continue;
    }
    if (skipIndent !== null) {
      if (indent > skipIndent) continue;
      skipIndent = null;
    }
    const label = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 2).trim();
    const key = LABELS[label];
    if (!key) continue;
    if (!current) {
      // A fragment without its section header, or a key outside any power section.
      if (busId !== null && indent <= 4) continue;
      current = { layout: "unlabelled", indent: indent - 1, values: {} };
    } else if (indent <= current.indent) {
      flush();
      continue;
    }
    if (current.values[key] === undefined) current.values[key] = key === "management" ? (smiValue(value) === null ? null : value) : smiValue(value);
  }
  flush();
  return out;
}
