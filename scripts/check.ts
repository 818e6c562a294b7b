/**
 * `npm run check -- [--json] [--svg FILE] [PROFILE...]`: the budgets of each profile, before
 * anything touches a host; `--svg` also draws one profile's budgets. No profile: every
 * profile in profiles/. Exit 0 when everything fits, 1 when a budget refuses a profile, 2
 * when a profile is invalid.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { checkProfileFile, exitCode } from "../src/budget/check.js";
import { formatReport, reportJson } from "../src/budget/format.js";
import { budgetSvg } from "../src/budget/svg/budgetSvg.js";

const PROFILES_DIR = fileURLToPath(new URL("../profiles/", import.meta.url));

const USAGE = "usage: npm run check -- [--json] [--svg FILE] [profiles/NAME.yaml ...]";

function main(args: string[]): number {
  const json = args.includes("--json");
  const svgAt = args.indexOf("--svg");
  const svg = svgAt >= 0 ? args[svgAt + 1] : undefined;
  if (svgAt >= 0 && (svg === undefined || svg.startsWith("-"))) {
    console.error(`check: --svg needs the file to write; ${USAGE}`);
    return 2;
  }
  const argv = args.filter((_, i) => svgAt < 0 || (i !== svgAt && i !== svgAt + 1));
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--json");
  if (unknown.length > 0) {
    console.error(`check: unknown option ${unknown.join(" ")}; ${USAGE}`);
    return 2;
  }
  let files = argv.filter((a) => !a.startsWith("-"));
  if (svg !== undefined && files.length !== 1) {
    console.error(`check: --svg draws one profile; name exactly one (${files.length} given); ${USAGE}`);
    return 2;
  }
  if (files.length === 0) {
    files = readdirSync(PROFILES_DIR)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .sort()
      .map((f) => relative(process.cwd(), join(PROFILES_DIR, f)));
  }
  const reports = files.map(checkProfileFile);
  if (json) console.log(JSON.stringify(reports.length === 1 ? reportJson(reports[0]!) : reports.map(reportJson), null, 2));
  else console.log(reports.map(formatReport).join("\n\n"));
  if (svg !== undefined && reports[0]!.status !== "invalid") writeFileSync(svg, budgetSvg(reports[0]!));
  return exitCode(reports);
}

process.exitCode = main(process.argv.slice(2));
