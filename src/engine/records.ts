/**
 * What the test engine reports: one record per command, the summary of a run, and the state a
 * next run diffs against (as Pulumi's state would).
 */
import type { Workstation } from "../pulumi/program.js";
import { IDENTITY_NAMES } from "../pulumi/identity.js";
import type { Ran } from "./provider.js";

/** What became of one command. */
type Outcome =
  /** The step's check passed first: nothing was applied. */
  | "in-sync"
  /** The step's check failed, apply ran, the check passed afterwards. */
  | "converged"
  /** Apply asked for a reboot (and the converge script scheduled it). */
  | "reboot"
  /** A command that is not a step's converge (a reboot wait, a delete) ran and exited 0. */
  | "ran"
  /** The command exited non-zero, or could not run at all. */
  | "failed"
  /** Not run: something before it failed. */
  | "skipped"
  /** Not run: its inputs are those of the last run (EngineState). */
  | "unchanged";

export interface CommandRecord {
  /** The resource name: a step id, or `<id>-reboot-down` / `<id>-reboot-up`. */
  readonly name: string;
  readonly kind: "remote" | "local";
  readonly operation: "create" | "update" | "delete" | "none";
  readonly outcome: Outcome;
  /** The command's exit status (null when it did not run or was killed). */
  readonly exitCode: number | null;
  readonly seconds: number;
  /** The `aiws: <id>: ...` lines the converge script printed. */
  readonly lines: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  /** The resource's stdin held secrets: its output is not to be shown (logging: none). */
  readonly secret: boolean;
  /** Why it failed. */
  readonly error?: string;
}

export interface EngineSummary {
  /** Every command, in the order it finished. */
  readonly records: readonly CommandRecord[];
  /** Steps in the plan. */
  readonly steps: number;
  readonly inSync: number;
  /** Steps whose apply ran (converged, or asked for a reboot). */
  readonly applied: number;
  readonly failed: number;
  readonly skipped: number;
  readonly unchanged: number;
  readonly seconds: number;
  readonly ok: boolean;
  /** The program's own error (a refused profile, a config key), when it stopped before any resource. */
  readonly error?: string;
  /** What the program registered (undefined when it stopped). */
  readonly workstation?: Workstation;
}

/** The last run's resources, for Pulumi's diff on the next run and for destroy. */
export interface EngineState {
  readonly resources: Map<string, { readonly type: string; readonly key: string; readonly inputs: Record<string, unknown>; readonly outputs: { stdout: string; stderr: string } }>;
  /** Names in the order they were created. */
  readonly order: string[];
}

export function newEngineState(): EngineState {
  return { resources: new Map(), order: [] };
}

export function aiwsLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("aiws: "));
}

export function outcomeOf(name: string, isStep: boolean, r: Ran): Outcome {
  if (r.code !== 0) return "failed";
  if (!isStep) return "ran";
  const lines = aiwsLines(r.stdout);
  if (lines.includes(`aiws: ${name}: in sync`)) return "in-sync";
  if (lines.some((l) => l === `aiws: ${name}: reboot required`)) return "reboot";
  if (lines.includes(`aiws: ${name}: converged`)) return "converged";
  return "ran";
}

export function lastLines(s: string, n = 4): string {
  return s.trim().split("\n").filter(Boolean).slice(-n).join(" / ");
}

/** A step's own command: not a reboot wait, not the hardware check before the steps. */
export function isStepName(name: string): boolean {
  return !/-reboot-(down|up)$/.test(name) && !(Object.values(IDENTITY_NAMES) as string[]).includes(name);
}

export function summarize(records: CommandRecord[], steps: number, start: number, extra: Partial<EngineSummary> = {}): EngineSummary {
  const stepRecords = records.filter((r) => r.operation !== "delete" && isStepName(r.name));
  const count = (o: Outcome) => stepRecords.filter((r) => r.outcome === o).length;
  const failed = records.filter((r) => r.outcome === "failed").length;
  return {
    records,
    steps,
    inSync: count("in-sync"),
    applied: count("converged") + count("reboot"),
    failed,
    skipped: records.filter((r) => r.outcome === "skipped").length,
    unchanged: count("unchanged"),
    seconds: (Date.now() - start) / 1000,
    ok: failed === 0 && !extra.error,
    ...extra,
  };
}
