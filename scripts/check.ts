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

const PROFILES_DIR = fileURLToPath(new URL("../profiles/", import.meta.url));

function main(argv: string[]): number {
  const json = argv.includes("--json");
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--json");
  if (unknown.length > 0) {
    console.error(`check: unknown option ${unknown.join(" ")}; usage: npm run check -- [--json] [profiles/NAME.yaml ...]`);
    return 2;
  }
  let files = argv.filter((a) => !a.startsWith("-"));
  if (files.length === 0) {
    files = readdirSync(PROFILES_DIR)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .sort()
      .map((f) => relative(process.cwd(), join(PROFILES_DIR, f)));
  }
  const reports = files.map(checkProfileFile);
  if (json) console.log(JSON.stringify(reports.length === 1 ? reportJson(reports[0]!) : reports.map(reportJson), null, 2));
  else console.log(reports.map(formatReport).join("\n\n"));
  return exitCode(reports);
}

process.exitCode = main(process.argv.slice(2));
