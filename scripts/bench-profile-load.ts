/**
 * `npm run bench:load [-- --keys N]`: how long loading a profile takes as its key count grows,
 * to show the loader is linear (a profile with 100k keys used to take minutes: the YAML
 * library's duplicate-key check and the key lookup for each problem scanned every key).
 * A benchmark, not a test: it prints the figures and exits 0.
 *
 * For 1/10, 1/2 and all of N keys (default 100000) it writes a child of profiles/base.yaml
 * with that many unknown top-level keys, runs the loader as `npm run check` does (every key
 * is reported, located) and prints the wall time and the time per 1000 keys: a linear loader
 * keeps the last column flat.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tryLoadProfile } from "../src/profile/load.js";

const USAGE = "usage: npm run bench:load [-- --keys N]";

function main(): number {
  let values: { keys?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { keys: { type: "string" }, help: { type: "boolean" } } }));
  } catch (e) {
    console.error(`bench:load: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const total = Number(values.keys ?? 100_000);
  if (!Number.isInteger(total) || total < 10) {
    console.error(`bench:load: --keys takes a whole number of at least 10\n${USAGE}`);
    return 2;
  }
  const base = new URL("../profiles/base.yaml", import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), "aiws-bench-load-"));
  try {
    console.log("keys       ms   ms per 1000 keys   problems");
    for (const n of [Math.round(total / 10), Math.round(total / 2), total]) {
      const file = join(dir, `keys-${n}.yaml`);
      const lines = [`extends: ${base}`, "name: bench"];
      for (let i = 0; i < n; i++) lines.push(`k${i}: ${i}`);
      writeFileSync(file, `${lines.join("\n")}\n`);
      const t0 = performance.now();
      const { problems } = tryLoadProfile(file);
      const ms = performance.now() - t0;
      console.log(`${String(n).padStart(6)} ${ms.toFixed(0).padStart(8)} ${((ms / n) * 1000).toFixed(1).padStart(18)} ${String(problems.length).padStart(10)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

process.exitCode = main();
