import { z } from "zod";
import { byIdPath } from "./hardware.js";

const mountpoint = z.string().regex(/^\/[A-Za-z0-9._/-]*$/, "must be an absolute path");

/**
 * The data storage layout. `independent`: each data drive its own filesystem and mount.
 * `raid0`: the drives with role `raid` striped by mdadm into one filesystem. Either way,
 * a drive that holds anything is refused unless its serial is in `wipe`.
 */
export const storageSchema = z
  .object({
    layout: z.enum(["independent", "raid0"]),
    filesystem: z.enum(["xfs", "ext4"]).default("xfs"),
    /** `independent`: where each data drive is mounted. */
    mounts: z
      .array(
        z
          .object({
            drive: byIdPath,
            mountpoint,
          })
          .strict(),
      )
      .default([]),
    /** `raid0`: the array and where it is mounted. */
    raid: z
      .object({
        name: z.string().regex(/^[a-z0-9_-]+$/).default("data"),
        device: z.string().regex(/^\/dev\/md\d+$/).default("/dev/md0"),
        chunkKiB: z.number().int().min(4).max(65536).default(512),
        mountpoint: mountpoint.default("/data"),
      })
      .strict()
      .optional(),
    /** Serials of drives whose contents may be destroyed. Empty by default: safe mode refuses to format a drive that holds anything. */
    wipe: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type StorageConfig = z.infer<typeof storageSchema>;
