import type { BackupConfig } from "../../profile/schema/backup.js";
import { sandboxDirectives } from "../sandbox.js";
import { CRED_DIR, LIB_DIR, RESTIC_CACHE } from "./paths.js";
import { STATE_DIRECTORY } from "../shared.js";

/** The systemd units the backup-units step installs (name -> text). */
export function backupUnits(b: BackupConfig): Record<string, string> {
  return {
    "aiws-backup.service": service({
      description: "aiws: back up this workstation to the NAS (restic over SFTP)",
      exec: `${LIB_DIR}/backup-run`,
    }),
    "aiws-backup.timer": timer({
      description: `aiws: back up to the NAS (${b.schedule})`,
      onCalendar: b.schedule,
      delay: b.randomizedDelay,
    }),
    "aiws-backup-check.service": service({
      description: `aiws: verify the backup repository (restic check, ${b.checkSubset} of the data)`,
      exec: `${LIB_DIR}/backup-check`,
      // `systemctl start aiws-backup.service aiws-backup-check.service` (what a refused switch
      // says to run) must check the new snapshot: without this the check may run first.
      after: "aiws-backup.service",
    }),
    "aiws-backup-check.timer": timer({
      description: `aiws: verify the backup repository (${b.checkSchedule})`,
      onCalendar: b.checkSchedule,
      delay: "1h",
    }),
    "aiws-backup-failure@.service": [
      HEADER,
      "# OnFailure= of the backup units starts it with the failed unit's name as the instance.",
      "[Unit]",
      "Description=aiws: record the failure of %i in the backup status",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${LIB_DIR}/backup-failed %i`,
      "# It only writes the status; systemctl show reaches systemd over D-Bus (AF_UNIX).",
      STATE_DIRECTORY,
      ...sandboxDirectives({ readWritePaths: [], devices: "none", noNetwork: true }),
      "",
    ].join("\n"),
  };
}

/** systemd expands %-specifiers in most settings: a literal % is written %%. */
export function unitText(value: string): string {
  return value.replaceAll("%", "%%");
}

const HEADER = "# Written by aiws (the backup-units step): pulumi up rewrites it, pulumi destroy removes it.";

export const BACKUP_TIMERS = ["aiws-backup.timer", "aiws-backup-check.timer"];

function service(u: { description: string; exec: string; after?: string }): string {
  return [
    HEADER,
    "[Unit]",
    `Description=${unitText(u.description)}`,
    "Wants=network-online.target",
    `After=network-online.target${u.after ? ` ${u.after}` : ""}`,
    "# A failure (the NAS unreachable, a wrong password, a damaged repository) is recorded where aiws-backup-status reads it.",
    "OnFailure=aiws-backup-failure@%n.service",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${u.exec}`,
    "# restic reads everything it backs up, so it runs as root with one capability: reading any",
    "# file (CAP_DAC_READ_SEARCH). It writes only the status, its lock, its cache and, on first",
    "# use, the NAS host key (accept-new).",
    "Nice=19",
    "IOSchedulingClass=idle",
    STATE_DIRECTORY,
    `CacheDirectory=${RESTIC_CACHE.replace(/^\/var\/cache\//, "")}`,
    "CacheDirectoryMode=0700",
    ...sandboxDirectives({
      readWritePaths: [`-${CRED_DIR}`, "/run/lock"],
      devices: "none",
      capabilities: ["CAP_DAC_READ_SEARCH"],
      home: "read-only",
    }),
    "",
  ].join("\n");
}

function timer(t: { description: string; onCalendar: string; delay: string }): string {
  return [
    HEADER,
    "[Unit]",
    `Description=${unitText(t.description)}`,
    "",
    "[Timer]",
    `OnCalendar=${t.onCalendar}`,
    "# A run missed while the machine was off happens at the next boot.",
    "Persistent=true",
    `RandomizedDelaySec=${t.delay}`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}
