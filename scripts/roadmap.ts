/**
 * `npm run roadmap -- [--json] [--svg FILE] [ROADMAP...]`: checks every step of an upgrade
 * roadmap in order (profiles/roadmap/*.yaml). No roadmap: every roadmap in profiles/roadmap/.
 * Exit 0 when every step fits, 1 when a step is refused, 2 when a roadmap is invalid.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { checkRoadmapFile, roadmapExitCode } from "../src/budget/roadmap.js";
import { formatRoadmap, roadmapJson } from "../src/budget/roadmapFormat.js";
import { roadmapSvg } from "../src/budget/svg/roadmapSvg.js";

const ROADMAPS_DIR = fileURLToPath(new URL("../profiles/roadmap/", import.meta.url));
const USAGE = "usage: npm run roadmap -- [--json] [--svg FILE] [profiles/roadmap/NAME.yaml ...]";

function main(argv: string[]): number {
  const json = argv.includes("--json");
  const svgAt = argv.indexOf("--svg");
  const svg = svgAt >= 0 ? argv[svgAt + 1] : undefined;
  if (svgAt >= 0 && (svg === undefined || svg.startsWith("-"))) {
    console.error(`roadmap: --svg needs the file to write; ${USAGE}`);
    return 2;
  }
  const rest = argv.filter((_, i) => svgAt < 0 || (i !== svgAt && i !== svgAt + 1));
  const unknown = rest.filter((a) => a.startsWith("-") && a !== "--json");
  if (unknown.length > 0) {
    console.error(`roadmap: unknown option ${unknown.join(" ")}; ${USAGE}`);
    return 2;
  }
  let files = rest.filter((a) => !a.startsWith("-"));
  if (files.length === 0) {
    files = readdirSync(ROADMAPS_DIR)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .sort()
      .map((f) => relative(process.cwd(), join(ROADMAPS_DIR, f)));
  }
  if (svg !== undefined && files.length !== 1) {
    console.error(`roadmap: --svg draws one roadmap; name exactly one (${files.length} given); ${USAGE}`);
    return 2;
  }
  const reports = files.map(checkRoadmapFile);
  if (json) console.log(JSON.stringify(reports.length === 1 ? roadmapJson(reports[0]!) : reports.map(roadmapJson), null, 2));
  else console.log(reports.map(formatRoadmap).join("\n\n"));
  if (svg !== undefined && reports[0]!.status !== "invalid") writeFileSync(svg, roadmapSvg(reports[0]!));
  return roadmapExitCode(reports);
}

process.exitCode = main(process.argv.slice(2));
