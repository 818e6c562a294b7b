import { z } from "zod";

/** Backups to a NAS with restic over SFTP. The password and the NAS key are stack secrets. */
export const backupSchema = z
  .object({
    nas: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        user: z.string().min(1),
        path: z.string().min(1),
      })
      .strict(),
    paths: z.array(z.string().regex(/^\//, "must be an absolute path")).min(1),
    /** Re-downloadable data is excluded by default; a directory holding `.nobackup` is always excluded. */
    exclude: z.array(z.string()).default(["/data/models", "/data/datasets/raw"]),
    schedule: z.string().default("daily"),
    randomizedDelay: z.string().default("30m"),
    keep: z
      .object({
        daily: z.number().int().min(0).default(7),
        weekly: z.number().int().min(0).default(4),
        monthly: z.number().int().min(0).default(6),
      })
      .strict()
      .default({ daily: 7, weekly: 4, monthly: 6 }),
    /** Fraction of pack data the weekly `restic check` reads. */
    checkSubset: z.string().regex(/^\d{1,2}%$/).default("5%"),
    /** How old the last verified backup may be before a destructive change is refused. */
    maxAgeHours: z.number().positive().default(26),
  })
  .strict();

export type BackupConfig = z.infer<typeof backupSchema>;
