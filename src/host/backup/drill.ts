import { RESTORE_DRILL } from "./paths.js";

/** Exit code of the drill script when the host has no restore drill installed (backup steps not converged). */
export const DRILL_NOT_INSTALLED = 3;

/**
 * The bash `npm run restore-drill` sends to the host (as root, on stdin): runs the installed
 * aiws-restore-drill, which restores the canary and SAMPLE files with `restic restore
 * --verify`, compares hashes, records the result in the backup status, and exits 1 on any
 * mismatch. Without a sample size the host's configured one (backup.restoreSample) is used.
 */
export function restoreDrillScript(sample?: number): string {
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 0 || sample > 10_000)) throw new Error(`sample ${sample} is not a whole number from 0 to 10000`);
  return [
    "set -euo pipefail",
    `if [ ! -x ${RESTORE_DRILL} ]; then`,
    `  echo "${RESTORE_DRILL} is not installed on this host: converge the backup steps first (pulumi up)" >&2`,
    `  exit ${DRILL_NOT_INSTALLED}`,
    "fi",
    `exec ${RESTORE_DRILL}${sample === undefined ? "" : ` ${sample}`} </dev/null`,
    "",
  ].join("\n");
}
