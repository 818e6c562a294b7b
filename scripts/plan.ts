/**
 * `npm run plan -- profiles/NAME.yaml [--json]`: the steps `pulumi up` would converge for a
 * profile, in order, with their concern, what they wait for, and whether they may reboot the
 * host or destroy data. Nothing is contacted. A profile that fails its budgets has no plan.
 * Exit 0 with a plan, 1 refused by a budget, 2 invalid.
 */
import { formatReport, reportJson } from "../src/budget/format.js";
import { planProfile } from "../src/host/planProfile.js";
import { commandJson, JSON_OPTION, printJson, runCommand, UsageError, type CommandSpec } from "../src/cli.js";

const PLAN: CommandSpec = {
  name: "plan",
  usage: "profiles/NAME.yaml [--json]",
  description: [
    "Lists the steps `pulumi up` would converge for a profile, in order: each step's concern,",
    "id and title, and whether it may reboot the host, may destroy data (gated by safe mode) or",
    "needs secrets. Contacts nothing. A profile refused by its budgets has no plan.",
  ].join("\n"),
  positionals: { "profiles/NAME.yaml": "the profile to plan (exactly one)" },
  options: { ...JSON_OPTION },
  exitCodes: { 0: "the plan was printed", 1: "a budget refuses the profile (no plan)", 2: "the profile is invalid, or the command line is wrong" },
  examples: ["npm run plan -- profiles/quad-gpu.yaml"],
};

await runCommand(PLAN, ({ flags, positionals }) => {
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError("name a profile");
  if (extra.length > 0) throw new UsageError(`plan takes one profile; also got ${extra.join(" ")}`);
  const json = flags.has("json");
  const { report, steps } = planProfile(file);
  if (report.status !== "ok" || !report.profile) {
    if (json) printJson(commandJson("plan", report.status, [], { profile: file, report: reportJson(report) }));
    else console.log(formatReport(report));
    return report.status === "invalid" ? 2 : 1;
  }
  if (json) {
    const items = steps.map(({ id, title, concern, after, reboot, destructive, secrets }) => ({ id, title, concern, after, reboot, destructive, secrets }));
    printJson(commandJson("plan", "ok", items, { profile: file }));
    return 0;
  }
  console.log(`${file}: ${steps.length} steps, converged in this order`);
  const w = Math.max(...steps.map((s) => s.id.length));
  const cw = Math.max(...steps.map((s) => s.concern.length));
  for (const [i, s] of steps.entries()) {
    const marks = [s.reboot === "if-needed" ? "may reboot" : "", s.destructive ? "DESTRUCTIVE (safe mode)" : "", s.secrets.length ? `secrets: ${s.secrets.join(", ")}` : ""].filter(Boolean);
    console.log(`${String(i + 1).padStart(3)}. ${s.concern.padEnd(cw)} ${s.id.padEnd(w)}  ${s.title}${marks.length ? `  [${marks.join("; ")}]` : ""}`);
  }
  return 0;
});
