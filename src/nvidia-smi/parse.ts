/**
 * The parser of `nvidia-smi --query-gpu` CSV, for `npm run discover`, drift's hardware check
 * and the one before `pulumi up` (src/discover/facts.ts). The host-side bash asks for
 * `--format=csv,noheader,nounits` and parses it itself; this accepts every variant a person
 * or an older script may hand over (header or not, units or not), and names what it could not
 * read rather than guessing: nvidia-smi's output changes between drivers.
 */

/** A value nvidia-smi could not give: `[N/A]`, `[Not Supported]`, `[Unknown Error]`, `Not Found`... */
export type SmiValue = string | number | null;

/** Placeholders nvidia-smi prints instead of a value. Bracketed in CSV, bare in `-q`. */
const UNAVAILABLE = /^\[?(N\/A|Not Supported|Unknown Error|Not Found|Insufficient Permissions|GPU is lost|Requested functionality has been deprecated)\]?$/i;

/** `250.00 W`, `97887 MiB`, `100 %`, `1560 MHz`, `56 C`: a number with an optional unit. */
const NUMBER_WITH_UNIT = /^(-?\d+(?:\.\d+)?)(?:\s*(W|mW|%|MHz|MiB|GiB|KiB|C|V|mV|s|ms|us))?$/;

/** One value as nvidia-smi prints it: a number (units dropped), a string, or null when unavailable. */
export function smiValue(raw: string): SmiValue {
  const v = raw.trim();
  if (v === "" || UNAVAILABLE.test(v)) return null;
  const m = NUMBER_WITH_UNIT.exec(v);
  return m ? Number(m[1]) : v;
}

/** A header cell without its unit: `power.draw [W]` -> `power.draw`. */
function fieldName(cell: string): string {
  return cell.replace(/\s*\[[^\]]*\]\s*$/, "").trim();
}

/**
 * Parses `nvidia-smi --query-gpu=FIELDS --format=csv[,noheader][,nounits]`: one record per
 * GPU, keyed by the requested field names. A header, when present, must name the same fields
 * in the same order (units in brackets are ignored). Numbers become numbers with their unit
 * dropped; `[N/A]`, `[Not Supported]` and `[Unknown Error]` become null.
 *
 * Throws an Error naming the line when a row has the wrong number of columns, or when the
 * header names other fields: the caller asked for one thing and got another.
 */
export function parseQueryGpuCsv<F extends string>(text: string, fields: readonly F[]): Array<Record<F, SmiValue>> {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const rows: Array<Record<F, SmiValue>> = [];
  let first = true;
  lines.forEach((line, i) => {
    if (line === "") return;
    const cells = line.split(",").map((c) => c.trim());
    if (first) {
      first = false;
      const names = cells.map(fieldName);
      if (names.length === fields.length && names.every((n, j) => n === fields[j])) return; // the header
      if (names.every((n) => /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(n))) {
        throw new Error(`nvidia-smi CSV line ${i + 1}: the header names ${names.join(", ")}; expected ${fields.join(", ")}`);
      }
    }
    if (cells.length !== fields.length) {
      throw new Error(`nvidia-smi CSV line ${i + 1}: ${cells.length} values, expected ${fields.length} (${fields.join(", ")}): ${line}`);
    }
    const rec = {} as Record<F, SmiValue>;
    fields.forEach((f, j) => {
      rec[f] = smiValue(cells[j]!);
    });
    rows.push(rec);
  });
  return rows;
}
