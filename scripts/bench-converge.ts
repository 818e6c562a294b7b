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
 *   detach   what detaching costs an applied step: a no-op step as aiws renders it, with its
 *            runner in the SSH session instead, and as a plain check and apply (detachSeconds)
 *
 * Run it on two commits to compare them (the machine's other load moves every figure: compare
 * the ratios again/ssh and fresh/ssh, measured in the same run). Brings the lab up fresh first;
 * down at the end unless --keep.
 */
import { spawnSync } from "node:child_process";
import { engineUp, type EngineSummary } from "../src/engine/engine.js";
import { labDown } from "../src/lab/lab.js";
import { net } from "../src/lab/config.js";
import { sshArgs } from "../src/lab/ssh.js";
import { renderScript } from "../src/step/render.js";
import type { Step } from "../src/step/step.js";
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
 * What detaching costs one applied step, from a no-op step (check fails, apply touches a file)
 * run three ways over SSH, medians of five in the same minute:
 *   detached    as aiws renders it: the check, then the runner (under the host's lock: the
 *               check again after waiting, the apply, the check) started by systemd-run and
 *               followed from the session
 *   in session  the same script with aiws_detach replaced by running that runner in the session
 *   plain       `check || apply; check` in one bash, none of aiws's machinery
 * detached - in session is what the detaching itself costs; in session - plain, the rest of
 * the protocol (the run directory, the lock, the step's libraries, the log on the host).
 */
function detachSeconds(): { detached: number; inSession: number; plain: number } {
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
  /** One run over SSH, the marker removed first so that the step has something to apply. */
  const timed = (input: string, says: string) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("ssh", [...sshArgs(net.guestIp), `rm -f ${marker}; bash -s`], { input, encoding: "utf8" });
    if (r.status !== 0 || !r.stdout.includes(says)) throw new Error(`the no-op step failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const median = (run: () => number) => Array.from({ length: 5 }, run).sort((a, b) => a - b)[2]!;
  const rendered = renderScript(step, "converge");
  const runInSession = [
    "aiws_detach() {",
    '  : >"$1/out"; : >"$1/started"',
    '  bash "$1/runner" "$1" "$2" "$3" /var/log/aiws/steps',
    '  cat "$1/out"',
    '  local status; status=$(cat "$1/status")',
    "  aiws_result=${status%% *} aiws_code=${status##* }",
    "}",
  ].join("\n");
  const inSession = rendered.replace(/\naiws_main "\$@"\n?$/, `\n${runInSession}\naiws_main "$@"\n`);
  if (inSession === rendered) throw new Error("the rendered script no longer ends in aiws_main \"$@\": update bench:converge");
  const plain = `${step.check} || ${step.apply}\n${step.check}\n`;
  const converged = "aiws: bench-noop: converged";
  return { detached: median(() => timed(rendered, converged)), inSession: median(() => timed(inSession, converged)), plain: median(() => timed(plain, "")) };
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
      `  detach   a no-op step, medians of 5: ${detach.detached.toFixed(3)} s detached as aiws renders it, ${detach.inSession.toFixed(3)} s with its runner in the SSH session, ${detach.plain.toFixed(3)} s as a plain check || apply; check\n` +
        `           the detaching: ${perStep.toFixed(2)} s per applied step, ${(perStep * fresh.applied).toFixed(1)} s of the fresh converge's ${fresh.seconds.toFixed(1)} s over its ${fresh.applied} applied steps (${((100 * perStep * fresh.applied) / fresh.seconds).toFixed(1)} %); the rest of the protocol: ${(detach.inSession - detach.plain).toFixed(2)} s per step`,
    );
    return 0;
  } finally {
    if (!keep) await labDown();
  }
});
