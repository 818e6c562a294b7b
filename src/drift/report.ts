import type { Step } from "../step/step.js";
import type { CheckOutcome } from "./batch.js";

type DriftStatus = "in-sync" | "drifted" | "unknown";

interface StepDrift {
  readonly id: string;
  readonly title: string;
  readonly concern: string;
  readonly status: DriftStatus;
  /** The check's reason (drifted), or why it could not tell (unknown). */
  readonly reason: string;
}

export interface DriftReport {
  readonly target: string;
  readonly profile: string;
  /** `unreachable` or `invalid` when nothing could be checked. */
  readonly status: "in-sync" | "drifted" | "unknown";
  readonly steps: readonly StepDrift[];
  /** Why the whole check could not tell (host unreachable, invalid profile). */
  readonly error?: string;
  /** The one command that repairs exactly the drifted steps. */
  readonly repair?: string;
  /** Where the host's GPUs or drives differ from the profile's: nothing was checked. */
  readonly hardware?: readonly string[];
}

/** One line per step from the checks' outcomes; a step whose check did not finish is unknown. */
export function driftReport(target: string, profile: string, steps: readonly Step[], outcomes: ReadonlyMap<string, CheckOutcome>, repair: (ids: string[]) => string): DriftReport {
  const rows: StepDrift[] = steps.map((s) => {
    const o = outcomes.get(s.id);
    if (!o) return { id: s.id, title: s.title, concern: s.concern, status: "unknown", reason: "the check did not finish (connection lost?)" };
    if (o.code === 0) return { id: s.id, title: s.title, concern: s.concern, status: "in-sync", reason: "" };
    return { id: s.id, title: s.title, concern: s.concern, status: "drifted", reason: firstLines(o.output) || `check exited ${o.code}` };
  });
  const drifted = rows.filter((r) => r.status === "drifted").map((r) => r.id);
  const status = rows.some((r) => r.status === "unknown") ? "unknown" : drifted.length > 0 ? "drifted" : "in-sync";
  return { target, profile, status, steps: rows, ...(drifted.length > 0 ? { repair: repair(drifted) } : {}) };
}

export function unreachableReport(target: string, profile: string, error: string): DriftReport {
  return { target, profile, status: "unknown", steps: [], error };
}

/** `npm run drift -- --json`: the one shape every command prints, the steps as its items. */
export function driftJson(r: DriftReport): { command: "drift"; status: DriftReport["status"]; items: readonly StepDrift[] } & Omit<DriftReport, "status" | "steps"> {
  const { steps, status, ...details } = r;
  return { command: "drift", status, items: steps, ...details };
}

/** The report back from `driftJson`'s output (the e2e suite reads the CLI's JSON). */
export function driftFromJson(j: ReturnType<typeof driftJson>): DriftReport {
  const { command: _command, items, ...rest } = j;
  return { ...rest, steps: items };
}

/** Exit status of the drift command: 0 in sync, 1 drifted, 2 cannot tell. */
export function driftExitCode(r: DriftReport): number {
  return r.status === "in-sync" ? 0 : r.status === "drifted" ? 1 : 2;
}

function firstLines(s: string, n = 3): string {
  return s.split("\n").filter((l) => l.trim()).slice(0, n).join(" / ");
}

/** The report as a table for people. */
export function formatDrift(r: DriftReport): string {
  const out = [`drift: ${r.target} against ${r.profile}: ${r.status === "in-sync" ? "in sync" : r.status === "drifted" ? "DRIFTED" : "CANNOT TELL"}`];
  if (r.error) {
    out.push(`  ${r.error}`);
    return out.join("\n");
  }
  const rows = [["step", "concern", "state", "reason"], ...r.steps.map((s) => [s.id, s.concern, s.status, s.reason])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const render = (row: string[]) => `  ${row.slice(0, 3).map((c, i) => c.padEnd(widths[i]!)).join("  ")}  ${row[3]}`.trimEnd();
  out.push(render(rows[0]!), `  ${widths.map((w) => "-".repeat(w)).join("  ")}  ------`, ...rows.slice(1).map(render));
  const counts = (st: DriftStatus) => r.steps.filter((s) => s.status === st).length;
  out.push(`  ${counts("in-sync")} in sync, ${counts("drifted")} drifted${counts("unknown") ? `, ${counts("unknown")} unknown` : ""}`);
  if (r.repair) out.push("", "Repair exactly the drifted steps with:", `  ${r.repair}`);
  return out.join("\n");
}
