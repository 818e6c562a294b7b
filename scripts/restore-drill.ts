/**
 * `npm run restore-drill -- --stack NAME | --host H [--user U] [--port N] [--identity KEY] [--host-key KEYLINE] [--sample N] [--json]`
 * Runs the restore drill on the workstation over SSH: the canary and a random sample of files
 * from the newest snapshot are restored into a temporary directory with `restic restore
 * --verify`, their hashes compared, the result reported and recorded in the host's backup
 * status (aiws-backup-status). Exit 0 when everything matched, 1 on any mismatch or restore
 * error, 2 when the drill could not run (bad arguments, host unreachable, backup not set up).
 */
import { restoreDrillScript, DRILL_NOT_INSTALLED } from "../src/host/backup/drill.js";
import { SshSession, SSH_FAILED, sshFailure } from "../src/ssh/ssh.js";
import { resolveTarget } from "../src/ssh/target.js";
import { commandJson, InputError, JSON_OPTION, printJson, runCommand, TARGET_OPTIONS, UsageError, type CommandSpec } from "../src/cli.js";

const RESTORE_DRILL: CommandSpec = {
  name: "restore-drill",
  usage: "--stack NAME | --host HOST [--user USER] [--port N] [--identity KEY] [--host-key KEYLINE] [--sample N] [--json]",
  description: [
    "Proves the backup can be restored: on the workstation, restores the canary and a random",
    "sample of files from the newest snapshot into a temporary directory (restic restore",
    "--verify), compares their hashes, and records the result in the host's backup status.",
    "Needs no profile: the host's backup configuration says what to restore.",
  ].join("\n"),
  options: {
    ...TARGET_OPTIONS,
    sample: { type: "string", value: "N", help: "how many files to restore besides the canary, 0 to 10000 (default: the profile's backup.restoreSample)" },
    ...JSON_OPTION,
  },
  exitCodes: { 0: "everything restored matched", 1: "a mismatch or a restore error", 2: "the drill could not run (bad arguments, host unreachable, backup not set up)" },
  examples: ["npm run restore-drill -- --stack workstation", "npm run restore-drill -- --host 192.168.1.50 --user aiws --sample 50"],
};

/** One line of the drill's report (`ok        /data/x`), for --json. */
function drillItems(stdout: string): { state: string; path: string; note?: string }[] {
  const out: { state: string; path: string; note?: string }[] = [];
  for (const l of stdout.split("\n")) {
    const m = /^(ok|MISMATCH|MISSING|restored)\s+(\S.*?)(?: \((.*)\))?$/.exec(l);
    if (m) out.push({ state: m[1]!, path: m[2]!, ...(m[3] ? { note: m[3] } : {}) });
  }
  return out;
}

await runCommand(RESTORE_DRILL, async ({ opts, flags }) => {
  const json = flags.has("json");
  let sample: number | undefined;
  if (opts.sample !== undefined) {
    sample = Number(opts.sample);
    if (!/^\d+$/.test(opts.sample) || sample > 10_000) throw new UsageError(`--sample ${opts.sample}: give a number of files from 0 to 10000`);
  }
  // The drill needs no profile: the host's backup configuration says what to restore.
  const target = await resolveTarget({ ...opts, profile: "(not used by the restore drill)" });
  const session = new SshSession(target.ssh);
  try {
    if (!json) console.log(`restore drill on ${session.name}`);
    const r = await session.runScript(restoreDrillScript(sample), { timeoutMs: 2 * 3_600_000 });
    if (r.code === SSH_FAILED) throw new InputError(sshFailure(r, session.name));
    if (json) {
      const status = r.code === 0 ? "passed" : r.code === DRILL_NOT_INSTALLED ? "not-installed" : "failed";
      printJson(commandJson("restore-drill", status, drillItems(r.stdout), { host: session.name, exitCode: r.code, output: r.stdout, errors: r.stderr }));
    } else {
      if (r.stdout) process.stdout.write(r.stdout);
      if (r.stderr) process.stderr.write(r.stderr);
    }
    if (r.code === DRILL_NOT_INSTALLED) return 2;
    if (r.code !== 0) {
      console.error(`restore-drill: FAILED on ${session.name} (exit ${r.code}); the host's backup status records it (aiws-backup-status)`);
      return 1;
    }
    return 0;
  } finally {
    await session.close();
  }
});
