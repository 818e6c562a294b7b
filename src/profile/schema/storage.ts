import { z } from "zod";
import { nonEmptyText } from "./text.js";
import { byIdPath } from "./hardware.js";

/** Directories the OS owns: mounting a data filesystem over one would hide the system. */
const SYSTEM_DIRS = ["/", "/boot", "/boot/efi", "/bin", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var"];

const mountpoint = z
  .string()
  .regex(/^(\/[A-Za-z0-9._-]+)+$/, "must be an absolute path like /data (letters, digits, . _ -; no trailing slash)")
  .refine((p) => !p.split("/").some((part) => part === "." || part === ".."), { message: "must not contain . or .. components" })
  .refine((p) => !SYSTEM_DIRS.includes(p), { message: `must not be a system directory (${SYSTEM_DIRS.join(", ")}): pick one like /data` });

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
    /** How long boot waits for a data device before going on without it (fstab `x-systemd.device-timeout`; the default 90 s is long, 0 waits forever). */
    deviceTimeoutSec: z.number().int().min(1).max(600).default(30),
    /**
     * Serials of drives whose contents may be destroyed. Empty by default: safe mode refuses
     * to format a drive, or join it to an array, when it holds anything (a filesystem or other
     * signature, a partition table, an array superblock). Remove a serial once the drive is in
     * use, so a later change cannot wipe it again.
     */
    wipe: z.array(nonEmptyText()).default([]),
    /**
     * UUIDs of filesystems aiws made itself that may be destroyed once more (the refusal names
     * them): a serial in `wipe` alone never destroys a filesystem aiws made, which may hold data
     * by now. A UUID is never reused, so each entry confirms exactly one reformat.
     */
    reformat: z.array(z.string().regex(/^[0-9A-Fa-f][0-9A-Fa-f-]{7,35}$/, "a filesystem UUID, as the refusal or blkid prints it")).default([]),
    /**
     * A layout switch that drops a mountpoint holding data: where its files go, a folder below
     * a mountpoint of this layout (storageMoves.ts). Only `npm run switch -- --migrate` reads it.
     */
    moves: z.array(z.object({ from: mountpoint, to: mountpoint }).strict()).default([]),
  })
  .strict();

export type StorageConfig = z.infer<typeof storageSchema>;

/** True when path `m` is `n` or lies below it ("/" holds every path). */
export function isUnder(m: string, n: string): boolean {
  return m === n || m.startsWith(n.endsWith("/") ? n : `${n}/`);
}

/** The mountpoints a storage section mounts its data filesystems at. */
export function storageMountpoints(st: StorageConfig): string[] {
  return st.layout === "raid0" ? [st.raid?.mountpoint ?? "/data"] : st.mounts.map((m) => m.mountpoint);
}
