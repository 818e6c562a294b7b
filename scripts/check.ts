/**
 * `npm run check -- [--json] [--svg FILE] [PROFILE...]`: the budgets of each profile, before anything
 * touches a host. No profile: every profile in profiles/. Exit 0 when everything fits,
 * 1 when a budget refuses a profile, 2 when a profile is invalid.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkProfileFile, exitCode } from "../src/budget/check.js";
import { formatReport, reportJson } from "../src/budget/format.js";
import { budgetAssumptions, formatAssumptions } from "../src/budget/assumptions.js";
import type { CheckReport } from "../src/budget/check.js";
import { budgetSvg } from "../src/budget/svg/budgetSvg.js";
import { commandJson, JSON_OPTION, printJson, runCommand, UsageError, yamlFilesIn, type CommandSpec } from "../src/cli.js";

const PROFILES_DIR = fileURLToPath(new URL("../profiles/", import.meta.url));

const CHECK: CommandSpec = {
  name: "check",
  usage: "[--json] [--svg FILE] [profiles/NAME.yaml ...]",
  description: [
    "Checks each profile's budgets before anything touches a host: the PSU (sustained, peak,",
    "transients, 12V-2x6 connectors), the wall circuit, the UPS and the VRAM of every inference",
    "service. Prints a table per profile, the ways out of a refusal, and what it assumed and",
    "cannot verify on the machine. Contacts nothing.",
  ].join("\n"),
  positionals: { "profiles/NAME.yaml": "the profiles to check (default: every profile in profiles/)" },
  options: { ...JSON_OPTION, svg: { type: "string", value: "FILE", help: "also draw the one profile's budgets (power by part against the PSU, circuit and UPS; VRAM per GPU) as an SVG picture into FILE" } },
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

await runCommand(CHECK, ({ opts, flags, positionals }) => {
  const files = positionals.length > 0 ? positionals : yamlFilesIn(PROFILES_DIR);
  const svg = opts.svg;
  if (typeof svg === "string" && files.length !== 1) throw new UsageError(`--svg draws one profile; name exactly one (${files.length} given)`);
  const reports = files.map(checkProfileFile);
  if (flags.has("json")) {
    const items = reports.map((r) => ({ ...(reportJson(r) as object), assumptions: [...r.assumptions, ...assumptions(r)] }));
    printJson(commandJson("check", worst(reports.map((r) => r.status)), items));
  } else {
    console.log(reports.map((r) => (r.profile ? `${formatReport(r)}\n${formatAssumptions([...r.assumptions, ...assumptions(r)])}` : formatReport(r))).join("\n\n"));
  }
  if (typeof svg === "string" && reports[0]!.status !== "invalid") writeFileSync(svg, budgetSvg(reports[0]!));
  return exitCode(reports);
});
