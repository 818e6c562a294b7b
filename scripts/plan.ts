/**
 * `npm run plan -- profiles/NAME.yaml [--json]`: the steps `pulumi up` would converge for a
 * profile, in order, with their concern, what they wait for, and whether they may reboot the
 * host or destroy data. Nothing is contacted. A profile that fails its budgets has no plan.
 * Exit 0 with a plan, 1 refused by a budget, 2 invalid.
 */
import { checkProfileFile } from "../src/budget/check.js";
import { formatReport } from "../src/budget/format.js";
import { planSteps } from "../src/host/plan.js";
import { parseArgs, runCommand, UsageError } from "../src/cli.js";

const USAGE = "usage: npm run plan -- profiles/NAME.yaml [--json]";

async function main(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith("--"));
  if (!file) throw new UsageError("name a profile");
  const { flags } = parseArgs(argv.filter((a) => a !== file), ["json"], []);
  const report = checkProfileFile(file);
  if (report.status !== "ok" || !report.profile) {
    console.log(formatReport(report));
    return report.status === "invalid" ? 2 : 1;
  }
  const steps = planSteps(report.profile);
  if (flags.has("json")) {
    console.log(JSON.stringify(steps.map(({ id, title, concern, after, reboot, destructive, secrets }) => ({ id, title, concern, after, reboot, destructive, secrets })), null, 2));
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
}

await runCommand("plan", USAGE, main);
