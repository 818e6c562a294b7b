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
import { tryLoadProfile } from "../src/profile/load.js";
import { runCommand, UsageError, type CommandSpec } from "../src/cli.js";

const BENCH: CommandSpec = {
  name: "bench:load",
  usage: "[--keys N]",
  description: "Times loading a profile with 1/10, 1/2 and all of N unknown keys, as npm run check loads it,\nand prints the time per 1000 keys: a linear loader keeps that column flat.",
  options: { keys: { type: "string", value: "N", help: "the largest key count to time (default 100000, at least 10)" } },
  exitCodes: { 0: "measured", 2: "the command line is wrong" },
};

await runCommand(BENCH, ({ opts }) => {
  const total = Number(opts.keys ?? 100_000);
  if (!Number.isInteger(total) || total < 10) throw new UsageError("--keys takes a whole number of at least 10");
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
});
