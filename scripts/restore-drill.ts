/**
 * `npm run restore-drill -- --stack NAME | --host H [--user U] [--port N] [--identity KEY] [--host-key KEYLINE] [--sample N]`
 * Runs the restore drill on the workstation over SSH: the canary and a random sample of files
 * from the newest snapshot are restored into a temporary directory with `restic restore
 * --verify`, their hashes compared, the result reported and recorded in the host's backup
 * status (aiws-backup-status). Exit 0 when everything matched, 1 on any mismatch or restore
 * error, 2 when the drill could not run (bad arguments, host unreachable, backup not set up).
 */
import { restoreDrillScript, DRILL_NOT_INSTALLED } from "../src/host/backup/drill.js";
import { SshSession, SSH_FAILED, sshFailure } from "../src/ssh/ssh.js";
import { resolveTarget } from "../src/drift/target.js";
import { parseArgs, runCommand, UsageError } from "../src/cli.js";

const USAGE = "usage: npm run restore-drill -- --stack NAME | --host HOST [--user USER] [--port N] [--identity KEY] [--host-key KEYLINE] [--sample N]";

async function main(argv: string[]): Promise<number> {
  const { opts } = parseArgs(argv, [], ["stack", "host", "user", "port", "identity", "host-key", "sample"]);
  let sample: number | undefined;
  if (opts.sample !== undefined) {
    sample = Number(opts.sample);
    if (!/^\d+$/.test(opts.sample) || sample > 10_000) throw new UsageError(`--sample ${opts.sample}: give a number of files from 0 to 10000`);
  }
  // The drill needs no profile: the host's backup configuration says what to restore.
  const target = await resolveTarget({ ...opts, profile: "(not used by the restore drill)" });
  const session = new SshSession(target.ssh);
  try {
    console.log(`restore drill on ${session.name}`);
    const r = await session.runScript(restoreDrillScript(sample), { timeoutMs: 2 * 3_600_000 });
    if (r.stdout) process.stdout.write(r.stdout);
    if (r.code === SSH_FAILED) {
      console.error(`restore-drill: ${sshFailure(r, session.name)}`);
      return 2;
    }
    if (r.stderr) process.stderr.write(r.stderr);
    if (r.code === DRILL_NOT_INSTALLED) return 2;
    if (r.code !== 0) {
      console.error(`restore-drill: FAILED on ${session.name} (exit ${r.code}); the host's backup status records it (aiws-backup-status)`);
      return 1;
    }
    return 0;
  } finally {
    await session.close();
  }
}

await runCommand("restore-drill", USAGE, main);
