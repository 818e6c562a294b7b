import { z } from "zod";
import { CONTROL_CHARACTERS } from "./text.js";

/**
 * Values from this section end up in unit files, an ssh_config and restic's arguments on the
 * host, so every string is held to what those formats can carry (no newlines, no quotes).
 */
const noControl = (what: string) => z.string().min(1).refine((s) => !CONTROL_CHARACTERS.test(s), { message: `${what} must be one line without control characters` });

/** systemd time span, like 30m, 1h 30min, 90s. */
const timeSpan = z
  .string()
  .regex(/^ *(\d+ *(us|usec|ms|msec|s|sec|seconds?|m|min|minutes?|h|hr|hours?|d|days?|w|weeks?)? *)+$/, "a systemd time span, like 30m or 1h");

/** systemd OnCalendar expression (checked for real by systemd-analyze in the tests). */
const calendar = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9 *:,./~+-]+$/, "a systemd OnCalendar expression, like daily or *-*-* 02:00:00");

const DEFAULT_EXCLUDES = ["/data/models", "/data/datasets/raw"];

/** Backups to a NAS with restic over SFTP. The password and the NAS key are stack secrets (aiws:backupPassword, aiws:nasSshKey). */
export const backupSchema = z
  .object({
    nas: z
      .object({
        host: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$/, "a host name or IP address"),
        port: z.number().int().min(1).max(65535).default(22),
        user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, "a user name (letters, digits, _ . -)"),
        path: z.string().regex(/^(\/[A-Za-z0-9._@+-]+)+$/, "an absolute path on the NAS, like /volume1/backup/workstation (letters, digits, . _ @ + -)"),
        /**
         * The NAS's SSH host key (`ssh-ed25519 AAAA...`, from `ssh-keyscan nas.lan`). When set it
         * is pinned; when absent the first key seen is recorded (accept-new) and then enforced.
         */
        hostKey: z
          .string()
          .regex(/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+$/, "a public host key: `<type> <base64>`, as ssh-keyscan prints it (without the host name)")
          .optional(),
      })
      .strict(),
    paths: z.array(noControl("a backup path").regex(/^\//, "must be an absolute path")).min(1),
    /** Re-downloadable data is excluded by default; a directory holding `.nobackup` is always excluded. restic exclude patterns. */
    exclude: z.array(noControl("an exclude pattern")).default(DEFAULT_EXCLUDES),
    /** When the backup runs (systemd OnCalendar). */
    schedule: calendar.default("daily"),
    /** Random delay added to each run, so a fleet does not hit the NAS at once (systemd RandomizedDelaySec). */
    randomizedDelay: timeSpan.default("30m"),
    keep: z
      .object({
        daily: z.number().int().min(0).default(7),
        weekly: z.number().int().min(0).default(4),
        monthly: z.number().int().min(0).default(6),
      })
      .strict()
      .default({ daily: 7, weekly: 4, monthly: 6 })
      .refine((k) => k.daily + k.weekly + k.monthly > 0, { message: "keep at least one snapshot (daily, weekly or monthly above 0)" }),
    /** When `restic check --read-data-subset` runs (systemd OnCalendar). */
    checkSchedule: calendar.default("weekly"),
    /** Fraction of pack data the weekly `restic check` reads. */
    checkSubset: z
      .string()
      .regex(/^\d{1,3}%$/, "a percentage, like 5%")
      .refine((s) => Number(s.slice(0, -1)) >= 1 && Number(s.slice(0, -1)) <= 100, { message: "between 1% and 100%" })
      .default("5%"),
    /** How many files a restore drill restores and compares, besides the canary. */
    restoreSample: z.number().int().min(1).max(1000).default(20),
    /** How old the last verified backup may be before a destructive change is refused. */
    maxAgeHours: z.number().positive().default(26),
  })
  .strict();

export type BackupConfig = z.infer<typeof backupSchema>;

/**
 * Whether a systemd OnCalendar expression fires at least once a day: `minutely`, `hourly`,
 * `daily`, or a time of day on every day (`02:00`, `*-*-* 02:00:00`, `*-*-* *:00`). A weekday
 * list or a date pattern other than `*-*-*` is not.
 */
export function runsAtLeastDaily(schedule: string): boolean {
  const s = schedule.trim().toLowerCase();
  if (["minutely", "hourly", "daily"].includes(s)) return true;
  return /^(\*-\*-\*\s+)?[0-9*/,.:]+$/.test(s) && s.includes(":");
}
