/**
 * `npm run drift -- --stack NAME | --host H --profile P [--user U] [--port N] [--identity KEY] [--host-key KEYLINE] [--json]`
 * Runs every step's check on the host over one SSH connection and reports each step as in
 * sync or drifted. Exit 0 in sync, 1 drifted, 2 cannot tell (unreachable host, invalid
 * profile, bad arguments).
 */
import { runDrift } from "../src/drift/drift.js";
import { driftExitCode, driftJson, formatDrift } from "../src/drift/report.js";
import { resolveTarget } from "../src/ssh/target.js";
import { JSON_OPTION, printJson, runCommand, TARGET_OPTIONS, type CommandSpec } from "../src/cli.js";

const DRIFT: CommandSpec = {
  name: "drift",
  usage: "--stack NAME | --host HOST --profile profiles/NAME.yaml [--user USER] [--port N] [--identity KEY] [--host-key KEYLINE] [--json]",
  description: [
    "Runs every step's check (never an apply) on the workstation over one SSH connection and",
    "reports each step as in sync or drifted, with the reason, and the one `pulumi up` command",
    "that repairs exactly the drifted steps. Changes nothing on the host.",
  ].join("\n"),
  options: {
    ...TARGET_OPTIONS,
    profile: { type: "string", value: "profiles/NAME.yaml", help: "the profile the host should match (default: the stack's aiws:profile; required with --host)" },
    ...JSON_OPTION,
  },
  exitCodes: { 0: "every step is in sync", 1: "drifted: the report names the steps and the repair", 2: "cannot tell (host unreachable, invalid profile, bad arguments)" },
  examples: ["npm run drift -- --stack workstation", "npm run drift -- --host 192.168.1.50 --user aiws --profile profiles/base.yaml --json"],
};

await runCommand(DRIFT, async ({ opts, flags }) => {
  const target = await resolveTarget(opts);
  const report = await runDrift(target);
  if (flags.has("json")) printJson(driftJson(report));
  else console.log(formatDrift(report));
  return driftExitCode(report);
});
