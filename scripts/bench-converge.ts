/**
 * `npm run bench:converge [-- --keep]`: what a converge costs on the VM lab, the RAID 0
 * (quad-GPU) lab profile as root, through the test engine (the stack's program, each command
 * over SSH for real). A benchmark, not a test: it prints the figures and exits 0 unless
 * something could not be measured.
 *
 *   fresh    a fresh guest converged from nothing (every step applies, detached on the host)
 *   again    the same guest converged again: every check passes in the SSH session, nothing
 *            is applied, so nothing is detached
 *   ssh      a bare `ssh guest true` times the number of commands the converge ran, for scale
 *   detach   what detaching costs an applied step: a no-op step as aiws renders it against the
 *            same check and apply run in the SSH session
 *
 * Run it on two commits to compare them (the machine's other load moves every figure: compare
 * the ratios again/ssh and fresh/ssh, measured in the same run). Brings the lab up fresh first;
 * down at the end unless --keep.
 */
import { spawnSync } from "node:child_process";
import { engineUp, type EngineSummary } from "../src/lab/engine.js";
import { labDown } from "../src/lab/lab.js";
import { net } from "../src/lab/config.js";
import { sshArgs } from "../src/lab/ssh.js";
import { renderScript } from "../src/host/render.js";
import type { Step } from "../src/host/step.js";
import { LAB_PROFILES, labStackConfig, prepareLab } from "../lab/workstation.js";
import { runCommand, type CommandSpec } from "../src/cli.js";

const BENCH: CommandSpec = {
  name: "bench:converge",
  usage: "[--keep]",
  description: [
    "Times a converge on the VM lab (lab-raid0, root, through the test engine): a fresh guest",
    "converged from nothing, then converged again with nothing to do, against a bare ssh.",
    "Needs root; boots a fresh lab guest first (about two minutes).",
  ].join("\n"),
  options: { keep: { type: "boolean", help: "leave the lab up afterwards (npm run lab -- down brings it down)" } },
  exitCodes: { 0: "measured", 1: "something could not be measured", 2: "not root, or the command line is wrong" },
};

function sshSeconds(): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("ssh", [...sshArgs(net.guestIp), "true"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ssh guest true failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * What detaching costs one applied step: a no-op step converged as aiws renders it (the check,
 * the apply in a detached runner under the host's lock, the check again) against the same
 * check, apply and check run plainly in the SSH session. Medians of five, in the same minute.
 */
function detachSeconds(): { detached: number; inSession: number } {
  const marker = "/run/aiws-bench-noop";
  const step: Step = {
    id: "bench-noop",
    title: "a no-op step for bench:converge",
    concern: "bench",
    after: [],
    check: `test -e ${marker} || { echo "${marker} is missing"; false; }`,
    apply: `touch ${marker}`,
    remove: `rm -f ${marker}`,
    vars: {},
    secrets: [],
    reboot: "never",
    destructive: false,
  };
  const timed = (input: string) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("ssh", [...sshArgs(net.guestIp), `rm -f ${marker}; bash -s`], { input, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`the no-op step failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const median = (run: () => number) => Array.from({ length: 5 }, run).sort((a, b) => a - b)[2]!;
  const rendered = renderScript(step, "converge");
  const plain = `${step.check} || ${step.apply}\n${step.check}\n`;
  return { detached: median(() => timed(rendered)), inSession: median(() => timed(plain)) };
}

async function converge(label: string): Promise<EngineSummary> {
  const { config, secretKeys } = labStackConfig({ profile: LAB_PROFILES.raid0 });
  const s = await engineUp({ config, secretKeys });
  if (!s.ok) throw new Error(`${label} converge failed: ${s.error ?? s.records.find((r) => r.outcome === "failed")?.error ?? "?"}`);
  return s;
}

await runCommand(BENCH, async ({ flags }) => {
  const keep = flags.has("keep");
  if (process.getuid?.() !== 0) {
    console.error("bench:converge: the lab needs root (it creates network namespaces and a tap device)");
    return 2;
  }
  try {
    await prepareLab((l) => console.log(`  ${l}`), { fresh: true });
    const fresh = await converge("fresh");
    const again = await converge("again");
    const ssh = [sshSeconds(), sshSeconds(), sshSeconds()].sort((a, b) => a - b)[1]!;
    const detach = detachSeconds();
    const commands = again.records.filter((r) => r.operation !== "none").length;
    const row = (name: string, s: EngineSummary) =>
      `  ${name.padEnd(8)} ${s.seconds.toFixed(1).padStart(7)} s  ${String(s.applied).padStart(3)} applied  ${String(s.inSync).padStart(3)} in sync  ${(s.seconds / (ssh * commands)).toFixed(2).padStart(6)}x ssh`;
    console.log(`bench:converge (${LAB_PROFILES.raid0}, root, ${commands} commands a converge)`);
    console.log(row("fresh", fresh));
    console.log(row("again", again));
    console.log(`  ssh      ${ssh.toFixed(3).padStart(7)} s  one bare 'ssh guest true' (median of 3); "x ssh" is the converge over ${commands} of them`);
    const perStep = detach.detached - detach.inSession;
    console.log(
      `  detach   ${detach.detached.toFixed(3).padStart(7)} s  a no-op step applied as aiws renders it (detached, under the host's lock), ${detach.inSession.toFixed(3)} s checked and applied in the SSH session (medians of 5):\n` +
        `           ${perStep.toFixed(2)} s per applied step; the ${fresh.applied} steps fresh applied: ${(perStep * fresh.applied).toFixed(1)} s of its ${fresh.seconds.toFixed(1)} s (${((100 * perStep * fresh.applied) / fresh.seconds).toFixed(1)} %)`,
    );
    return 0;
  } finally {
    if (!keep) await labDown();
  }
});
