import { tryLoadProfile } from "../profile/load.js";
import type { Profile } from "../profile/schema/profile.js";
import type { Problem } from "../profile/problems.js";
import { powerBudget } from "./power.js";
import { profileVramBudget } from "./vramModels.js";
import { round, type BudgetLine, type BudgetResult } from "./types.js";

/**
 * The verdict on one profile, before anything touches a host: `invalid` when it cannot be
 * read, `refused` when a budget is over, `ok` otherwise. The check command, the Pulumi
 * program and the switch command all start from this.
 */
export interface CheckReport {
  readonly file: string;
  readonly status: "ok" | "refused" | "invalid";
  readonly profile?: Profile;
  /** Files the profile was read from, most derived first. */
  readonly files: readonly string[];
  readonly problems: readonly Problem[];
  readonly lines: readonly BudgetLine[];
  readonly suggestions: readonly string[];
  readonly notes: readonly string[];
  /** What the budgets take on the owner's word (a PPT cap set in the BIOS): confirm each. */
  readonly assumptions: readonly string[];
  /** DC and wall loads, for people: idle, sustained, peak, transient. */
  readonly loads?: { idleDc: number; sustainedDc: number; peakDc: number; transientDc: number; sustainedWall: number; peakWall: number };
}

export function checkProfile(profile: Profile, file: string, files: readonly string[] = [file]): CheckReport {
  const power = powerBudget(profile.hardware, profile.budget);
  const results: BudgetResult[] = [power, profileVramBudget(profile)];
  const lines = results.flatMap((r) => r.lines);
  const { idleDc, sustainedDc, peakDc, transientDc, sustainedWall, peakWall } = power.loads;
  return {
    file,
    status: lines.every((l) => l.ok) ? "ok" : "refused",
    profile,
    files,
    problems: [],
    lines,
    suggestions: results.flatMap((r) => r.suggestions),
    notes: results.flatMap((r) => r.notes),
    assumptions: power.assumptions,
    // Rounded as the lines are, so the header and the table print the same figure.
    loads: { idleDc: round(idleDc), sustainedDc: round(sustainedDc), peakDc: round(peakDc), transientDc: round(transientDc), sustainedWall: round(sustainedWall), peakWall: round(peakWall) },
  };
}

export function checkProfileFile(file: string): CheckReport {
  const { loaded, problems } = tryLoadProfile(file);
  if (!loaded) return { file, status: "invalid", files: [file], problems, lines: [], suggestions: [], notes: [], assumptions: [] };
  return checkProfile(loaded.profile, file, loaded.files);
}

/** Exit status of the check command: 0 everything fits, 1 a budget refuses, 2 invalid. */
export function exitCode(reports: readonly CheckReport[]): number {
  if (reports.some((r) => r.status === "invalid")) return 2;
  if (reports.some((r) => r.status === "refused")) return 1;
  return 0;
}
