/**
 * `npm run switch -- --to profiles/NEW.yaml (--stack NAME | --host H --profile CURRENT.yaml)
 *   [--confirm-wipe SERIAL,...] [--migrate [--discard PATH,...]]`
 * Shows side by side what changes, refuses a target that fails its budgets, and refuses a
 * destructive storage change unless the drives at risk are confirmed by serial and the host's
 * last backup succeeded and was checked recently. For a layout change it prints the whole
 * migration; with --migrate (and --stack) it runs it: back up, verify, rebuild through
 * `pulumi up`, restore, verify again. When allowed, it sets the stack's profile and prints the
 * preview to run.
 * Exit 0 switched (or nothing to do), 1 refused, 2 invalid input or host unreachable.
 */
import { $ } from "zx";
import { checkProfileFile, type CheckReport } from "../src/budget/check.js";
import { formatReport, reportJson } from "../src/budget/format.js";
import { planProfile } from "../src/host/planProfile.js";
import { STATUS_COMMAND } from "../src/host/backup/paths.js";
import { isBackupFresh, parseBackupStatus } from "../src/host/backup/status.js";
import { SshSession, SSH_FAILED, sshFailure } from "../src/ssh/ssh.js";
import { resolveTarget, type Target } from "../src/ssh/target.js";
import { commandJson, InputError, JSON_OPTION, printJson, runCommand, TARGET_OPTIONS, UsageError, type CommandSpec, type ParsedArgs } from "../src/cli.js";
import { diffProfiles } from "../src/switch/diff.js";
import { gateSwitch, type BackupState } from "../src/switch/gate.js";
import { formatSwitch } from "../src/switch/format.js";
import { migrationPlan } from "../src/switch/migration.js";
import { readJournal } from "../src/switch/journal.js";
import { runMigration } from "../src/switch/migrate.js";
import type { Profile } from "../src/profile/schema/profile.js";

const SWITCH: CommandSpec = {
  name: "switch",
  usage: "--to profiles/NEW.yaml (--stack NAME | --host HOST --profile profiles/CURRENT.yaml [--user U] [--port N] [--identity KEY] [--host-key KEYLINE]) [--confirm-wipe SERIAL,...] [--migrate [--discard PATH,...]] [--json]\n       --stack NAME --migrate --resume [--json]",
  description: [
    "Moves a workstation to another profile after a hardware upgrade. Shows side by side what",
    "changes (hardware, every budget, the steps added, changed and removed), refuses a target",
    "that fails its budgets, and refuses a change that may destroy data unless the drives at",
    "risk are confirmed by serial and the host's last backup succeeded and was checked",
    "recently. With --stack it then sets the stack's aiws:profile and prints the preview to run.",
  ].join("\n"),
  options: {
    to: { type: "string", value: "profiles/NEW.yaml", help: "the profile to switch to (required)" },
    ...TARGET_OPTIONS,
    profile: { type: "string", value: "profiles/CURRENT.yaml", help: "the profile the host has now (default: the stack's aiws:profile; required with --host)" },
    "confirm-wipe": { type: "string", value: "SERIAL,...", help: "the serials of exactly the drives the switch may wipe, comma-separated (the refusal lists them)" },
    migrate: { type: "boolean", help: "for a storage layout change, run the migration: back up, verify, rebuild (pulumi up), restore, verify; needs --stack. A mountpoint the new layout drops is refused while it holds data, unless the new profile's storage.moves restores it into a folder of the new layout" },
    resume: { type: "boolean", help: "with --migrate and --stack: go on with the migration the host's journal records (after a cut connection or a stop after the rebuild), from where it stopped; --to is not needed" },
    discard: { type: "string", help: "with --migrate: backup.exclude entries (comma-separated, e.g. /data/models) whose files you give up: they are in no snapshot, so the rebuild destroys them (the migration lists them)" },
    ...JSON_OPTION,
  },
  exitCodes: { 0: "switched, or nothing to do", 1: "refused (budgets, unconfirmed drives, no fresh backup) or the migration stopped", 2: "invalid profile, host unreachable, or the command line is wrong" },
  examples: ["npm run switch -- --to profiles/dual-gpu.yaml --stack workstation", "npm run switch -- --to profiles/quad-gpu.yaml --stack workstation --confirm-wipe S6XNNS0W1234,S6XNNS0W5678 --migrate"],
};

type Checked = CheckReport & { profile: Profile };

async function main({ opts, flags }: ParsedArgs): Promise<number> {
  const json = flags.has("json");
  // With --json stdout carries the one JSON object; what people read goes to stderr.
  const say = json ? (l: string) => console.error(l) : (l: string) => console.log(l);
  if (flags.has("resume")) return resume(opts, flags, say, json);
  if (!opts.to) throw new UsageError("--to profiles/NEW.yaml is required");
  if (flags.has("migrate") && !opts.stack) throw new UsageError("--migrate rebuilds through pulumi up, so it needs --stack NAME");
  const target = await resolveTarget(opts);
  const planned = { from: planProfile(target.profile), to: planProfile(opts.to) };
  const from = planned.from.report;
  const to = planned.to.report;
  for (const r of [from, to]) {
    if (r.status === "invalid") {
      if (json) printJson(commandJson("switch", "invalid", [], { from: target.profile, to: opts.to, report: reportJson(r) }));
      else console.log(formatReport(r));
      return 2;
    }
  }
  const a = from as Checked;
  const b = to as Checked;
  const diff = diffProfiles(a, b, planned.from.steps, planned.to.steps);
  const destructive = diff.steps.some((s) => s.destructive && s.change !== "removed") || !!diff.layoutChange || diff.drivesAtRisk.length > 0;
  let backup: BackupState | undefined;
  if (destructive && b.status === "ok") {
    const read = await readBackupState(target, (a.profile.backup ?? b.profile.backup)?.maxAgeHours ?? 26);
    if ("unreachable" in read) throw new InputError(read.unreachable);
    backup = read;
  }
  const confirmed = (opts["confirm-wipe"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const gate = gateSwitch(diff, b.status, confirmed, backup);
  const migration = diff.layoutChange ? migrationPlan(a.profile, b.profile, opts.to, target.stack) : [];
  if (json) {
    const { steps, ...changes } = diff;
    printJson(commandJson("switch", gate.allowed ? "allowed" : "refused", steps, { from: target.profile, to: opts.to, ...changes, refusals: gate.refusals, destructive: gate.destructive, migration, ...(b.status === "refused" ? { report: reportJson(b) } : {}) }));
  } else {
    console.log(formatSwitch(a.profile.name, b.profile.name, diff, gate));
    if (b.status === "refused") console.log(`\n${formatReport(b)}`);
    if (diff.layoutChange) {
      console.log("\nThe migration, phase by phase:");
      for (const [i, p] of migration.entries()) {
        console.log(`  ${i + 1}. ${p.name}: ${p.what}`);
        for (const c of p.commands) console.log(`       ${c}`);
      }
    }
  }
  if (!gate.allowed) return 1;
  const s = target.stack ? ` --stack ${target.stack}` : "";
  if (target.stack) {
    // A migration sets the stack's profile itself, once it rewrites the drives: a migration that
    // stops before leaves the stack as it was.
    if (diff.layoutChange && flags.has("migrate")) {
      return migrate(target, { from: a.profile, to: b.profile, files: { from: target.profile, to: opts.to } }, discardOf(opts), say, json, false);
    }
    await setStackProfile(target.stack, opts.to);
    say(`\nThe stack ${target.stack} now uses ${opts.to}.`);
  } else {
    say(`\nSet the stack's profile with: pulumi config set aiws:profile ${opts.to}`);
  }
  say(`Review the change, then apply it:\n  pulumi preview --diff${s}\n  pulumi up${s}`);
  return 0;
}

const discardOf = (opts: ParsedArgs["opts"]) => (opts.discard ?? "").split(",").filter(Boolean);

async function setStackProfile(stack: string, file: string): Promise<void> {
  const r = await $({ nothrow: true, quiet: true })`pulumi config set aiws:profile ${file} --stack ${stack}`;
  if (r.exitCode !== 0) throw new InputError(`could not set the stack's profile: ${r.stderr.trim() || "the Pulumi CLI is not installed"}\n  run: pulumi config set aiws:profile ${file} --stack ${stack}`);
}

/** `--resume`: the profiles come from the host's journal, the rest as the migration left it. */
async function resume(opts: ParsedArgs["opts"], flags: ParsedArgs["flags"], say: (l: string) => void, json: boolean): Promise<number> {
  if (!opts.stack || !flags.has("migrate")) throw new UsageError("--resume goes on with a migration, so it needs --migrate and --stack NAME");
  const target = await resolveTarget(opts);
  const session = new SshSession(target.ssh);
  let journal: Awaited<ReturnType<typeof readJournal>>;
  try {
    journal = await readJournal(session);
  } finally {
    await session.close();
  }
  if ("error" in journal) throw new InputError(journal.error);
  if (!journal.files) throw new InputError(`the journal on the host (migration ${journal.id}) names no profile files: run switch --migrate --resume from the checkout that started it, with --to`);
  const [from, to] = [checkProfileFile(journal.files.from), checkProfileFile(journal.files.to)];
  for (const r of [from, to]) if (r.status === "invalid") throw new InputError(`${r.file}: the profile the migration started with no longer loads:\n${formatReport(r)}`);
  say(`Resuming the migration ${journal.id}: ${journal.files.from} -> ${journal.files.to}, after "${journal.stage}".`);
  return migrate(target, { from: (from as Checked).profile, to: (to as Checked).profile, files: journal.files }, discardOf(opts), say, json, true);
}

/** Runs the migration, rebuilding through `pulumi up` on the stack. */
async function migrate(target: Target, p: { from: Profile; to: Profile; files: { from: string; to: string } }, discard: string[], say: (l: string) => void, json: boolean, resuming: boolean): Promise<number> {
  const session = new SshSession(target.ssh);
  try {
    const result = await runMigration({
      host: session,
      from: p.from,
      to: p.to,
      files: p.files,
      resume: resuming,
      discard,
      log: say,
      converge: async () => {
        await setStackProfile(target.stack!, p.files.to);
        say(`The stack ${target.stack} now uses ${p.files.to}.`);
        // pulumi's own output goes where people read (stderr under --json).
        const r = await $({ nothrow: true, stdio: json ? ["inherit", process.stderr, "inherit"] : "inherit" })`pulumi up --yes --skip-preview --stack ${target.stack!}`;
        if (r.exitCode !== 0) throw new Error(`pulumi up failed (exit ${r.exitCode})`);
      },
    });
    if (!result.ok) {
      console.error(`switch: the migration stopped: ${result.error}`);
      return 1;
    }
    say(`\nMigrated: ${result.files} file(s) restored byte-identical onto the new layout.`);
    for (const w of result.warnings ?? []) console.error(`switch: ${w}`);
    return 0;
  } finally {
    await session.close();
  }
}

/** The host's backup status, read over SSH, and whether it is fresh enough for a destructive change. */
async function readBackupState(target: Target, maxAgeHours: number): Promise<BackupState | { unreachable: string }> {
  const session = new SshSession(target.ssh);
  try {
    const r = await session.runScript(`if [ -x ${STATUS_COMMAND} ]; then ${STATUS_COMMAND}; else echo NO-STATUS; fi\n`);
    if (r.code === SSH_FAILED) return { unreachable: sshFailure(r, session.name) };
    if (r.stdout.trim() === "NO-STATUS") return { fresh: false, reasons: ["the host has no aiws backup configured (no backup status)"] };
    const parsed = parseBackupStatus(r.stdout);
    if (!parsed.status) return { fresh: false, reasons: [parsed.error] };
    return isBackupFresh(parsed.status, maxAgeHours, new Date());
  } finally {
    await session.close();
  }
}

await runCommand(SWITCH, main);
