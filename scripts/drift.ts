/**
 * `npm run drift -- --stack NAME | --host H --profile P [--user U] [--port N] [--identity KEY] [--host-key KEYLINE] [--json]`
 * Runs every step's check on the host over one SSH connection and reports each step as in
 * sync or drifted. Exit 0 in sync, 1 drifted, 2 cannot tell (unreachable host, invalid
 * profile, bad arguments).
 */
import { runDrift } from "../src/drift/drift.js";
import { driftExitCode, formatDrift } from "../src/drift/report.js";
import { resolveTarget } from "../src/drift/target.js";
import { parseArgs, runCommand } from "../src/cli.js";

const USAGE = "usage: npm run drift -- --stack NAME | --host HOST --profile profiles/NAME.yaml [--user USER] [--port N] [--identity KEY] [--host-key KEYLINE] [--json]";

async function main(argv: string[]): Promise<number> {
  const { opts, flags } = parseArgs(argv, ["json"], ["stack", "host", "profile", "user", "port", "identity", "host-key"]);
  const target = await resolveTarget(opts);
  const report = await runDrift(target);
  console.log(flags.has("json") ? JSON.stringify(report, null, 2) : formatDrift(report));
  return driftExitCode(report);
}

await runCommand("drift", USAGE, main);
