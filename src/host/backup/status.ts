import { z } from "zod";

/**
 * The backup status a host keeps in /var/lib/aiws/backup-status.json (the backup units write
 * it; `aiws-backup-status` prints it), and the one decision other commands make from it: is
 * there a fresh, verified backup? Switch and drift refuse a destructive change without one.
 */

const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "an ISO 8601 time" });

export const backupStatusSchema = z.object({
  version: z.literal(1),
  updated: time.optional(),
  repository: z.string().nullable(),
  /** The last backup that completed (snapshot saved, retention applied). */
  lastBackup: z
    .object({
      time,
      snapshot: z.string(),
      durationSeconds: z.number().nonnegative(),
      /** Some files could not be read (restic exit 3); the snapshot was saved. */
      warnings: z.boolean(),
    })
    .nullable(),
  /** The last `restic check --read-data-subset` that found no error. */
  lastCheck: z.object({ time, subset: z.string() }).nullable(),
  snapshotCount: z.number().int().nonnegative().nullable(),
  /** The last failure of a backup unit, recorded by its OnFailure= unit. */
  lastFailure: z
    .object({
      time,
      unit: z.string(),
      result: z.string(),
      exitStatus: z.union([z.string(), z.number()]),
      message: z.string(),
    })
    .nullable(),
  lastRestoreDrill: z
    .object({
      time,
      ok: z.boolean(),
      snapshot: z.string(),
      files: z.number().int().nonnegative(),
      message: z.string(),
    })
    .nullable(),
});

export type BackupStatus = z.infer<typeof backupStatusSchema>;

/** What `aiws-backup-status` prints on a host where no unit ran yet. */
export const EMPTY_STATUS: BackupStatus = {
  version: 1,
  repository: null,
  lastBackup: null,
  lastCheck: null,
  snapshotCount: null,
  lastFailure: null,
  lastRestoreDrill: null,
};

/** Parses what `aiws-backup-status` printed; an error names what is wrong, never throws. */
export function parseBackupStatus(text: string): { status: BackupStatus; error?: undefined } | { status?: undefined; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `the backup status is not JSON: ${(e as Error).message}` };
  }
  const r = backupStatusSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0]!;
    return { error: `the backup status is not in the expected form: ${first.path.join(".") || "(top)"}: ${first.message}` };
  }
  return { status: r.data };
}

export interface BackupFreshness {
  readonly fresh: boolean;
  /** Why not, one reason each, with the way out where there is one. */
  readonly reasons: readonly string[];
}

const HOUR = 3_600_000;
/** Clocks disagree a little; a time further ahead than this is suspicious. */
const FUTURE_SLACK_MS = HOUR;

function ago(t: string, now: Date): string {
  const h = (now.getTime() - Date.parse(t)) / HOUR;
  return h < 1 ? `${Math.max(0, Math.round(h * 60))} min ago` : `${h.toFixed(1)} h ago`;
}

/**
 * Whether the host has a fresh, verified backup: the last backup completed within
 * `maxAgeHours`, a `restic check` passed after it, nothing failed since (a backup failure
 * after the last backup, a check failure after the last check), the repository holds a
 * snapshot, and no restore drill failed since the last backup.
 */
export function isBackupFresh(status: BackupStatus, maxAgeHours: number, now: Date): BackupFreshness {
  const reasons: string[] = [];
  const at = (s: string) => Date.parse(s);
  const b = status.lastBackup;
  const c = status.lastCheck;
  if (!b) {
    reasons.push("no backup has completed yet (systemctl start aiws-backup.service)");
  } else {
    const age = now.getTime() - at(b.time);
    if (age < -FUTURE_SLACK_MS) reasons.push(`the last backup is dated ${b.time}, in the future: check the host's clock`);
    else if (age > maxAgeHours * HOUR) reasons.push(`the last backup completed ${ago(b.time, now)} (${b.time}), more than the ${maxAgeHours} h allowed`);
    if (!c) reasons.push(`the last backup (${b.time}) was never verified: no restic check has passed (systemctl start aiws-backup-check.service)`);
    else if (at(c.time) < at(b.time)) reasons.push(`the last backup (${b.time}) is not verified yet: the last passing restic check was before it (${c.time}); systemctl start aiws-backup-check.service`);
  }
  const f = status.lastFailure;
  if (f) {
    // A failure counts until the same kind of run succeeds after it.
    const since = f.unit.startsWith("aiws-backup-check") ? c?.time : f.unit.startsWith("aiws-backup.") ? b?.time : [b?.time, c?.time].filter((x): x is string => !!x).sort((x, y) => at(y) - at(x))[0];
    if (!since || at(f.time) > at(since)) reasons.push(`${f.unit} failed ${ago(f.time, now)} (${f.time}, ${f.result}): ${f.message}`);
  }
  if (status.snapshotCount === 0) reasons.push("the repository holds no snapshot");
  const d = status.lastRestoreDrill;
  if (d && !d.ok && (!b || at(d.time) >= at(b.time))) reasons.push(`the last restore drill failed (${d.time}): ${d.message}`);
  return { fresh: reasons.length === 0, reasons };
}
