import type { Concern } from "../../step/concern.js";
import { backupSteps } from "./steps.js";

export { backupSteps, BACKUP_SECRETS } from "./steps.js";
export { isBackupFresh, parseBackupStatus, backupStatusSchema, EMPTY_STATUS, type BackupStatus, type BackupFreshness } from "./status.js";
export { STATUS_FILE, STATUS_COMMAND, RESTORE_DRILL } from "./paths.js";

/** Backups to the NAS: restic over SFTP, units and timers, the status file, the restore drill. */
export const backupConcern: Concern = { name: "backup", steps: backupSteps };
