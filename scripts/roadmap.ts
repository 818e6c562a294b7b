/**
 * `npm run roadmap -- [--json] [--svg FILE] [ROADMAP...]`: checks every step of an upgrade
 * roadmap in order (profiles/roadmap/*.yaml). No roadmap: every roadmap in profiles/roadmap/.
 * Exit 0 when every step fits, 1 when a step is refused, 2 when a roadmap is invalid.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkRoadmapFile, roadmapExitCode } from "../src/budget/roadmap.js";
import { formatRoadmap, roadmapJson } from "../src/budget/roadmapFormat.js";
import { roadmapSvg } from "../src/budget/svg/roadmapSvg.js";
import { commandJson, JSON_OPTION, printJson, runCommand, UsageError, yamlFilesIn, type CommandSpec } from "../src/cli.js";

const ROADMAPS_DIR = fileURLToPath(new URL("../profiles/roadmap/", import.meta.url));

const ROADMAP: CommandSpec = {
  name: "roadmap",
  usage: "[--json] [--svg FILE] [profiles/roadmap/NAME.yaml ...]",
  description: [
    "Checks every step of an upgrade roadmap in order, each step a profile extending the one",
    "before: which budget breaks at which step, the order of the same steps that stays within",
    "budget at every step, and the cost so far. Contacts nothing.",
  ].join("\n"),
  positionals: { "profiles/roadmap/NAME.yaml": "the roadmaps to check (default: every roadmap in profiles/roadmap/)" },
  options: {
    ...JSON_OPTION,
    svg: { type: "string", value: "FILE", help: "also draw the one roadmap's budgets, step by step, as an SVG picture into FILE" },
  },
  exitCodes: { 0: "every step fits", 1: "a step is refused", 2: "a roadmap is invalid, or the command line is wrong" },
  examples: ["npm run roadmap -- profiles/roadmap/build-documents.yaml", "npm run roadmap -- --svg roadmap.svg profiles/roadmap/corrected.yaml"],
};

await runCommand(ROADMAP, ({ opts, flags, positionals }) => {
  const files = positionals.length > 0 ? positionals : yamlFilesIn(ROADMAPS_DIR);
  const svg = opts.svg;
  if (typeof svg === "string" && files.length !== 1) throw new UsageError(`--svg draws one roadmap; name exactly one (${files.length} given)`);
  const reports = files.map(checkRoadmapFile);
  if (flags.has("json")) {
    const code = roadmapExitCode(reports);
    printJson(commandJson("roadmap", code === 0 ? "ok" : code === 1 ? "refused" : "invalid", reports.map(roadmapJson)));
  } else console.log(reports.map(formatRoadmap).join("\n\n"));
  if (typeof svg === "string" && reports[0]!.status !== "invalid") writeFileSync(svg, roadmapSvg(reports[0]!));
  return roadmapExitCode(reports);
});
