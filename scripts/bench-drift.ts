/**
 * `npm run bench:drift [-- --reps N] [--keep]`: the drift check's wall time on the VM lab for
 * the whole plan of the RAID 0 (quad-GPU) lab profile, against its floor, as a ratio measured
 * in one run. A benchmark, not a test: it prints the figures and exits 0 unless something
 * could not be measured.
 *
 *   drift   `runDrift` as `npm run drift` runs it: load the profile, plan, render every check
 *           into one batch, one SSH connection, parse the report (the CLI adds only tsx's start)
 *   floor   the same batch script, uploaded to the guest once beforehand, run there with
 *           `bash FILE` through one fresh ssh connection, timed from here (nothing subtracted)
 *   ssh     a bare `ssh guest true`, for scale
 *
 * Each figure is the median of N repetitions (default 5), interleaved so that a slow moment
 * of the emulated guest touches both. Target: drift / floor <= 1.1.
 * Brings the lab up (and converges it when it is not in sync) first; down at the end unless --keep.
 */
import { spawnSync } from "node:child_process";
import { batchChecks } from "../src/drift/batch.js";
import { runDrift } from "../src/drift/drift.js";
import { planProfile } from "../src/host/planProfile.js";
import { renderScript } from "../src/step/render.js";
import { engineUp } from "../src/engine/engine.js";
import { guestSsh, labDown } from "../src/lab/lab.js";
import { net } from "../src/lab/config.js";
import { sshArgs } from "../src/lab/ssh.js";
import { LAB_PROFILES, labStackConfig, labTarget, prepareLab } from "../lab/workstation.js";

import { runCommand, UsageError, type CommandSpec, type ParsedArgs } from "../src/cli.js";

const PROFILE = LAB_PROFILES.raid0;

const BENCH_DRIFT: CommandSpec = {
  name: "bench:drift",
  usage: "[--reps N] [--keep]",
  description: [
    "A benchmark, not a test: the drift check's wall time on the VM lab for the whole plan of",
    `${PROFILE}, against its floor (the same checks in one bash on the guest,`,
    "over one ssh), as a ratio measured in one run. Brings the lab up (and converges it when",
    "needed) first. Needs root.",
  ].join("\n"),
  options: {
    reps: { type: "string", value: "N", help: "repetitions of each measurement; the figures are medians (default 5)" },
    keep: { type: "boolean", help: "leave the lab up afterwards" },
  },
  exitCodes: { 0: "the figures were measured and printed", 2: "something could not be measured, or the command line is wrong" },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeSsh(command: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("ssh", [...sshArgs(net.guestIp), command], { encoding: "utf8" });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`ssh ${command}: exit ${r.status}: ${r.stderr}`);
  return s;
}

async function main({ opts, flags }: ParsedArgs): Promise<number> {
  const reps = Number(opts.reps ?? 5);
  if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new UsageError(`--reps ${opts.reps}: give a whole number from 1 to 100`);
  const keep = flags.has("keep");
  try {
    console.log("bench:drift: preparing the lab...");
    await prepareLab();
    let first = await runDrift(labTarget(PROFILE));
    if (first.status !== "in-sync") {
      console.log(`bench:drift: the guest is not converged to ${PROFILE} (${first.status}): converging it first`);
      const s = await engineUp({ ...labStackConfig({ profile: PROFILE }) });
      if (!s.ok) throw new Error(`the converge failed: ${s.records.find((r) => r.outcome === "failed")?.error ?? s.error}`);
      first = await runDrift(labTarget(PROFILE));
    }
    const steps = planProfile(PROFILE).steps;
    const batch = batchChecks(steps, (s) => renderScript(s, "check"));
    await guestSsh("cat > /root/aiws-drift-bench.sh", { input: batch.script });
    console.log(`bench:drift: ${steps.length} checks (${PROFILE}, report: ${first.status}); ${reps} repetitions each`);

    const drift: number[] = [];
    const floor: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      const r = await runDrift(labTarget(PROFILE));
      drift.push(Number(process.hrtime.bigint() - t0) / 1e9);
      if (r.status !== "in-sync") throw new Error(`drift run ${i + 1} says ${r.status}`);
      floor.push(timeSsh("bash /root/aiws-drift-bench.sh >/dev/null"));
      bare.push(timeSsh("true"));
      console.log(`  #${i + 1}: drift ${drift[i]!.toFixed(2)} s, floor ${floor[i]!.toFixed(2)} s, ssh true ${bare[i]!.toFixed(2)} s`);
    }
    await guestSsh("rm -f /root/aiws-drift-bench.sh");
    const d = median(drift);
    const f = median(floor);
    const ratio = d / f;
    console.log(
      [
        "",
        `drift check, whole plan (${steps.length} steps), median of ${reps}:  ${d.toFixed(2)} s`,
        `floor (the same checks in one bash on the guest, one ssh):   ${f.toFixed(2)} s`,
        `bare ssh guest true:                                         ${median(bare).toFixed(2)} s`,
        `ratio drift / floor: ${ratio.toFixed(3)}x (target <= 1.1x): ${ratio <= 1.1 ? "met" : "NOT met"}`,
      ].join("\n"),
    );
    return 0;
  } finally {
    if (!keep) await labDown();
  }
}

await runCommand(BENCH_DRIFT, async (args) => {
  try {
    return await main(args);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    console.error(`bench:drift: ${(e as Error).message}`);
    return 2;
  }
});
