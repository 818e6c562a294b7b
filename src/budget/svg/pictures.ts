import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkProfileFile } from "../check.js";
import { checkRoadmapFile } from "../roadmap.js";
import { budgetSvg } from "./budgetSvg.js";
import { roadmapSvg } from "./roadmapSvg.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Where the README's pictures live, relative to the repository root. */
export const PICTURES_DIR = "docs/img";

/**
 * The README's pictures, by path relative to the repository root: the budgets of every shipped
 * profile (profiles/*.yaml) and every roadmap (profiles/roadmap/*.yaml), step by step.
 * `npm run pictures` writes them; a test fails when the committed copies are stale.
 */
export function pictures(): Map<string, string> {
  const out = new Map<string, string>();
  const yaml = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".yaml")).sort();
  for (const f of yaml("profiles")) {
    const r = checkProfileFile(join(ROOT, "profiles", f));
    if (r.status !== "invalid") out.set(`${PICTURES_DIR}/budget-${f.replace(/\.yaml$/, "")}.svg`, budgetSvg(r));
  }
  for (const f of yaml("profiles/roadmap")) {
    const r = checkRoadmapFile(join(ROOT, "profiles/roadmap", f));
    if (r.status !== "invalid") out.set(`${PICTURES_DIR}/roadmap-${f.replace(/\.yaml$/, "")}.svg`, roadmapSvg(r));
  }
  return out;
}

export { ROOT as REPOSITORY_ROOT };
