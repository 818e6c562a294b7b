/**
 * `npm run check -- [--json] [PROFILE...]`: the budgets of each profile, before anything
 * touches a host. No profile: every profile in profiles/. Exit 0 when everything fits,
 * 1 when a budget refuses a profile, 2 when a profile is invalid.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { checkProfileFile, exitCode } from "../src/budget/check.js";
import { formatReport, reportJson } from "../src/budget/format.js";
import { budgetAssumptions, formatAssumptions } from "../src/budget/assumptions.js";
import type { CheckReport } from "../src/budget/check.js";
import { commandJson, JSON_OPTION, printJson, runCommand, type CommandSpec } from "../src/cli.js";

const PROFILES_DIR = fileURLToPath(new URL("../profiles/", import.meta.url));

const CHECK: CommandSpec = {
  name: "check",
  usage: "[--json] [profiles/NAME.yaml ...]",
  description: [
    "Checks each profile's budgets before anything touches a host: the PSU (sustained, peak,",
    "transients, 12V-2x6 connectors), the wall circuit, the UPS and the VRAM of every inference",
    "service. Prints a table per profile, the ways out of a refusal, and what it assumed and",
    "cannot verify on the machine. Contacts nothing.",
  ].join("\n"),
  positionals: { "profiles/NAME.yaml": "the profiles to check (default: every profile in profiles/)" },
  options: { ...JSON_OPTION },
  exitCodes: { 0: "every profile fits", 1: "a budget refuses a profile", 2: "a profile is invalid, or the command line is wrong" },
  examples: ["npm run check -- profiles/quad-gpu.yaml", "npm run check -- --json profiles/base.yaml"],
};

/** What the verdict rests on that aiws cannot read (none for a profile that did not load). */
function assumptions(r: CheckReport): string[] {
  return r.profile ? budgetAssumptions(r.profile) : [];
}

function worst(statuses: readonly string[]): string {
  return statuses.includes("invalid") ? "invalid" : statuses.includes("refused") ? "refused" : "ok";
}

await runCommand(CHECK, ({ flags, positionals }) => {
  let files = positionals;
  if (files.length === 0) {
    files = readdirSync(PROFILES_DIR)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .sort()
      .map((f) => relative(process.cwd(), join(PROFILES_DIR, f)));
  }
  const reports = files.map(checkProfileFile);
  if (flags.has("json")) {
    const items = reports.map((r) => ({ ...(reportJson(r) as object), assumptions: assumptions(r) }));
    printJson(commandJson("check", worst(reports.map((r) => r.status)), items));
  } else {
    console.log(reports.map((r) => (r.profile ? `${formatReport(r)}\n${formatAssumptions(assumptions(r))}` : formatReport(r))).join("\n\n"));
  }
  return exitCode(reports);
});
