import type { ProfileSwitch } from "./diff.js";

/** The host's backup as the switch sees it: fresh enough, or why not. */
export interface BackupState {
  readonly fresh: boolean;
  /** Why it is not fresh (never ran, last run failed, not checked recently, host unreachable). */
  readonly reasons: readonly string[];
}

export interface SwitchGate {
  readonly allowed: boolean;
  /** Why the switch is refused, each with the way out. */
  readonly refusals: readonly string[];
  /** Whether this switch is destructive (needs the confirmation and the backup). */
  readonly destructive: boolean;
}

/**
 * Data first: a switch whose plan may destroy data (a new array, a new filesystem, a layout
 * change) runs only when the user names exactly the drives at risk and the host's last backup
 * succeeded and was checked recently. A target profile that fails its budgets never runs.
 */
export function gateSwitch(diff: ProfileSwitch, targetStatus: "ok" | "refused" | "invalid", confirmed: readonly string[], backup: BackupState | undefined): SwitchGate {
  const refusals: string[] = [];
  if (targetStatus === "invalid") refusals.push("the target profile is invalid: fix the problems above first");
  if (targetStatus === "refused") refusals.push("the target profile fails its budgets (above): change the hardware or limits until `npm run check` passes");
  const destructive = diff.steps.some((s) => s.destructive && s.change !== "removed") || diff.layoutChange !== undefined || diff.drivesAtRisk.length > 0;
  if (destructive) {
    const want = [...diff.drivesAtRisk].sort();
    const got = [...new Set(confirmed)].sort();
    if (want.length > 0 && JSON.stringify(want) !== JSON.stringify(got)) {
      refusals.push(`this switch may destroy the data on ${want.join(", ")}: confirm exactly those drives with --confirm-wipe ${want.join(",")}`);
    }
    if (!backup) refusals.push("the host's backup status could not be read: a destructive switch needs a backup that succeeded and was checked recently");
    else if (!backup.fresh) refusals.push(`no fresh, verified backup: ${backup.reasons.join("; ")}. Run the backup and its check first (systemctl start aiws-backup.service aiws-backup-check.service on the host)`);
  }
  return { allowed: refusals.length === 0, refusals, destructive };
}
