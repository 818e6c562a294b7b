import type { Profile } from "../../profile/schema/profile.js";
import type { Drive } from "../../profile/schema/hardware.js";
import type { StorageConfig } from "../../profile/schema/storage.js";

/** Where mdadm.conf lives on Debian and Ubuntu. */
export const MDADM_CONF = "/etc/mdadm/mdadm.conf";
export const FSTAB = "/etc/fstab";

/** One filesystem aiws makes and mounts: on a data drive, or on the array. */
export interface DataFilesystem {
  /** From the mountpoint (`/data` -> `data`); names the step `storage-filesystem-<slug>`. */
  readonly slug: string;
  /** `/dev/disk/by-id/...` for a drive, the md device for the array. */
  readonly device: string;
  readonly kind: "drive" | "array";
  /** The serials that must all be in `storage.wipe` before aiws may destroy what is on the device. */
  readonly serials: readonly string[];
  readonly fstype: "xfs" | "ext4";
  /** aiws's mark on what it made (XFS labels hold at most 12 characters). */
  readonly label: string;
  /** Stripe geometry for the array; empty for a single drive. */
  readonly mkfsArgs: readonly string[];
  readonly mountpoint: string;
}

export interface RaidArray {
  readonly device: string;
  readonly name: string;
  readonly chunkKiB: number;
  /** The drives with role `raid`, in profile order. */
  readonly members: readonly Drive[];
}

/** What the storage section asks for, resolved against the drives. */
export interface StorageLayout {
  readonly config: StorageConfig;
  readonly packages: readonly string[];
  readonly array?: RaidArray;
  readonly filesystems: readonly DataFilesystem[];
}

export function slugOf(mountpoint: string): string {
  const s = mountpoint
    .replace(/^\/+|\/+$/g, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .toLowerCase();
  return s === "" ? "root" : s;
}

/** The -d su/sw (XFS) or -E stride/stripe_width (ext4, 4 KiB blocks) for a RAID 0 of n drives. */
export function stripeArgs(fstype: "xfs" | "ext4", chunkKiB: number, n: number): string[] {
  if (fstype === "xfs") return ["-d", `su=${chunkKiB}k,sw=${n}`];
  const stride = Math.max(1, Math.floor(chunkKiB / 4));
  return ["-E", `stride=${stride},stripe_width=${stride * n}`];
}

function labels(slugs: readonly string[]): string[] {
  const wanted = slugs.map((s) => `aiws-${s}`.slice(0, 12));
  return wanted.map((l, i) => (wanted.indexOf(l) === i ? l : `aiws-d${i}`));
}

/** The layout for a profile, or undefined when it has no storage section (nothing to do). */
export function storageLayout(profile: Profile): StorageLayout | undefined {
  const st = profile.storage;
  if (!st) return undefined;
  const fsPackage = st.filesystem === "xfs" ? "xfsprogs" : "e2fsprogs";
  if (st.layout === "raid0") {
    const raid = st.raid ?? { name: "data", device: "/dev/md0", chunkKiB: 512, mountpoint: "/data" };
    const members = profile.hardware.drives.filter((d) => d.role === "raid");
    const slug = slugOf(raid.mountpoint);
    return {
      config: st,
      packages: ["mdadm", fsPackage],
      array: { device: raid.device, name: raid.name, chunkKiB: raid.chunkKiB, members },
      filesystems: [
        {
          slug,
          device: raid.device,
          kind: "array",
          serials: members.map((d) => d.serial),
          fstype: st.filesystem,
          label: `aiws-${raid.name}`.slice(0, 12),
          mkfsArgs: stripeArgs(st.filesystem, raid.chunkKiB, members.length),
          mountpoint: raid.mountpoint,
        },
      ],
    };
  }
  const drives = new Map(profile.hardware.drives.map((d) => [d.id, d]));
  const slugs = st.mounts.map((m) => slugOf(m.mountpoint));
  const names = labels(slugs);
  return {
    config: st,
    packages: [fsPackage],
    filesystems: st.mounts.map((m, i) => ({
      slug: slugs[i]!,
      device: m.drive,
      kind: "drive" as const,
      serials: [drives.get(m.drive)?.serial ?? ""],
      fstype: st.filesystem,
      label: names[i]!,
      mkfsArgs: [],
      mountpoint: m.mountpoint,
    })),
  };
}
