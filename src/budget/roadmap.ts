import { dirname, resolve } from "node:path";
import { z } from "zod";
import { displayPath } from "../profile/extends.js";
import { tryLoadProfile } from "../profile/load.js";
import { problemAt, readYaml } from "../profile/source.js";
import { zodProblems } from "../profile/zodProblems.js";
import type { Problem } from "../profile/problems.js";
import { checkProfile, type CheckReport } from "./check.js";
import { findOrder, type Reordering } from "./roadmapOrder.js";

/**
 * An upgrade roadmap: an ordered path of profiles, each extending the one before, checked
 * step by step. Which budget breaks at which step, and an order of the same steps that keeps
 * every step within budget when one exists.
 */
const roadmapSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Printed before costs. */
    currency: z.string().min(1).max(4).default("$"),
    steps: z
      .array(
        z
          .object({
            title: z.string().min(1).describe("the upgrade, for people (`Add 3rd GPU`)"),
            profile: z.string().min(1).describe("the profile after this step, relative to the roadmap file; it extends the previous step's"),
            cost: z.number().nonnegative().optional().describe("what the step costs; summed cumulatively where present"),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

type Roadmap = z.infer<typeof roadmapSchema>;

export interface RoadmapStep {
  /** 1-based, as printed. */
  readonly number: number;
  readonly title: string;
  /** The profile, as given (relative to the working directory). */
  readonly file: string;
  readonly cost?: number;
  /** The sum of the costs so far; `complete` is false when an earlier step has none. */
  readonly total: { readonly sum: number; readonly complete: boolean };
  readonly report: CheckReport;
  /** Budget ids over at this step that were within budget at the step before. */
  readonly breaks: readonly string[];
  /** Budget ids within budget at this step that were over at the step before. */
  readonly mends: readonly string[];
}

export interface RoadmapReport {
  readonly file: string;
  readonly status: "ok" | "refused" | "invalid";
  readonly roadmap?: Roadmap;
  readonly problems: readonly Problem[];
  readonly steps: readonly RoadmapStep[];
  /** Present when a step is refused: the order that keeps every step within budget, or why none does. */
  readonly reordering?: Reordering;
}

export function checkRoadmapFile(file: string): RoadmapReport {
  const name = displayPath(resolve(file));
  const invalid = (problems: Problem[]): RoadmapReport => ({ file: name, status: "invalid", problems, steps: [] });
  const { source, problems } = readYaml(resolve(file), name);
  if (!source) return invalid(problems);
  const parsed = roadmapSchema.safeParse(source.data);
  if (!parsed.success) return invalid(zodProblems(parsed.error, [source], roadmapSchema));
  const roadmap = parsed.data;

  const found: Problem[] = [];
  const reports: CheckReport[] = [];
  let previous: string | undefined;
  roadmap.steps.forEach((s, i) => {
    const path = resolve(dirname(resolve(file)), s.profile);
    const r = checkProfileFileAt(path);
    if (r.status === "invalid") {
      found.push(problemAt([source], ["steps", i, "profile"], `${displayPath(path)} is not a valid profile (run npm run check -- ${displayPath(path)} for its problems)`));
    } else if (previous !== undefined && resolve(r.files[1] ?? "") !== previous) {
      const parent = r.files[1] ? `extends ${displayPath(resolve(r.files[1]))}` : "extends nothing";
      found.push(
        problemAt([source], ["steps", i, "profile"], `${displayPath(path)} ${parent}, not the previous step's profile; set its extends: to ${displayPath(previous)} (relative to the profile), or reorder the steps`),
      );
    }
    reports.push(r);
    previous = path;
  });
  if (found.length > 0) return invalid(found);

  let sum = 0;
  let complete = true;
  const steps: RoadmapStep[] = roadmap.steps.map((s, i) => {
    if (s.cost === undefined) complete = false;
    else sum += s.cost;
    const over = new Set(reports[i]!.lines.filter((l) => !l.ok).map((l) => l.id));
    const before = new Set(i === 0 ? [] : reports[i - 1]!.lines.filter((l) => !l.ok).map((l) => l.id));
    return {
      number: i + 1,
      title: s.title,
      file: displayPath(resolve(dirname(resolve(file)), s.profile)),
      ...(s.cost !== undefined ? { cost: s.cost } : {}),
      total: { sum, complete },
      report: reports[i]!,
      breaks: [...over].filter((id) => !before.has(id)),
      mends: [...before].filter((id) => !over.has(id)),
    };
  });
  const refused = steps.some((s) => s.report.status !== "ok");
  return {
    file: name,
    status: refused ? "refused" : "ok",
    roadmap,
    problems: [],
    steps,
    ...(refused ? { reordering: findOrder(steps.map((s) => resolve(s.file))) } : {}),
  };
}

function checkProfileFileAt(path: string): CheckReport {
  const { loaded, problems } = tryLoadProfile(path);
  if (!loaded) return { file: displayPath(path), status: "invalid", files: [path], problems, lines: [], suggestions: [], notes: [], assumptions: [] };
  return checkProfile(loaded.profile, displayPath(path), loaded.files);
}

/** Exit status of the roadmap command: 0 every step fits, 1 a step is refused, 2 a roadmap is invalid. */
export function roadmapExitCode(reports: readonly RoadmapReport[]): number {
  if (reports.some((r) => r.status === "invalid")) return 2;
  return reports.some((r) => r.status === "refused") ? 1 : 0;
}
