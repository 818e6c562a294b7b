import { STORAGE_MOUNTED } from "../shared.js";
import type { Profile } from "../../profile/schema/profile.js";
import { defineStep, type Step } from "../../step/step.js";
import { packagesStep } from "../packages/index.js";
import { FSTAB, MDADM_CONF, storageLayout, type DataFilesystem, type RaidArray, type StorageLayout } from "./layout.js";
import { bashBody, storageSh } from "./sh.js";

const CONCERN = "storage";

/** The id of the step that leaves every data filesystem mounted (other concerns wait for it). */

/** fstab options: never hang the boot on a missing data drive; wait 30 s for it, not 90 s. */
export function fstabOptions(deviceTimeoutSec: number): string {
  return `defaults,noatime,nofail,x-systemd.device-timeout=${deviceTimeoutSec}s`;
}

/** The bash libraries every storage script starts with. */
function lib(...more: string[]): string[] {
  return [storageSh("common.sh"), storageSh("safeMode.sh"), ...more.map(storageSh)];
}

const lines = (xs: readonly string[]) => xs.join("\n");

export function raid0ArrayStep(array: RaidArray, wipe: readonly string[], after: readonly string[], reformat: readonly string[] = []): Step {
  const libs = lib("raid0.sh");
  return defineStep(CONCERN, {
    id: "storage-raid0-array",
    title: `RAID 0 ${array.device} over ${array.members.length} drives (${array.chunkKiB} KiB chunk), named in mdadm.conf`,
    after,
    check: bashBody(...libs, storageSh("raid0.check.sh")),
    apply: bashBody(...libs, storageSh("raid0.apply.sh")),
    remove: bashBody(storageSh("common.sh"), storageSh("raid0.sh"), storageSh("raid0.remove.sh")),
    vars: {
      MD_DEVICE: array.device,
      MD_NAME: array.name,
      CHUNK_KIB: String(array.chunkKiB),
      MEMBERS: lines(array.members.map((d) => d.id)),
      MEMBER_SERIALS: lines(array.members.map((d) => d.serial)),
      MDADM_CONF,
      WIPE: lines(wipe),
      // blkid prints UUIDs in lower case.
      REFORMAT: lines(reformat.map((u) => u.toLowerCase())),
    },
    // An array found running under another name (md127) is named in mdadm.conf; it takes that name at the next boot.
    reboot: "if-needed",
    destructive: true,
  });
}

export function filesystemStep(fs: DataFilesystem, wipe: readonly string[], after: readonly string[], reformat: readonly string[] = []): Step {
  const libs = lib("filesystem.sh");
  return defineStep(CONCERN, {
    id: `storage-filesystem-${fs.slug}`,
    title: `${fs.fstype} on ${fs.device} (for ${fs.mountpoint})`,
    after,
    check: bashBody(...libs, storageSh("filesystem.check.sh")),
    apply: bashBody(...libs, storageSh("filesystem.apply.sh")),
    remove: bashBody(storageSh("filesystem.remove.sh")),
    vars: {
      DEVICE: fs.device,
      FSTYPE: fs.fstype,
      LABEL: fs.label,
      MKFS_ARGS: fs.mkfsArgs.join(" "),
      TARGET_KIND: fs.kind,
      SERIALS: lines(fs.serials),
      WIPE: lines(wipe),
      // blkid prints UUIDs in lower case.
      REFORMAT: lines(reformat.map((u) => u.toLowerCase())),
    },
    destructive: true,
  });
}

export function mountedStep(layout: StorageLayout, after: readonly string[]): Step {
  const libs = [storageSh("common.sh"), storageSh("mounted.sh")];
  const mounts = layout.filesystems.map((f) => `${f.device} ${f.mountpoint} ${f.fstype} ${f.fstype === "xfs" ? 0 : 2}`);
  return defineStep(CONCERN, {
    id: STORAGE_MOUNTED,
    title: `data filesystems in fstab by UUID and mounted: ${layout.filesystems.map((f) => f.mountpoint).join(", ")}`,
    after,
    check: bashBody(...libs, storageSh("mounted.check.sh")),
    apply: bashBody(...libs, storageSh("mounted.apply.sh")),
    remove: bashBody(...libs, storageSh("mounted.remove.sh")),
    vars: {
      MOUNTS: lines(mounts),
      FSTAB_OPTIONS: fstabOptions(layout.config.deviceTimeoutSec),
      FSTAB,
    },
  });
}

function fstrimStep(after: readonly string[]): Step {
  return defineStep(CONCERN, {
    id: "storage-fstrim",
    title: "weekly TRIM of the data filesystems (fstrim.timer)",
    after,
    check: bashBody(storageSh("fstrim.check.sh")),
    apply: bashBody(storageSh("fstrim.apply.sh")),
    remove: bashBody(storageSh("fstrim.remove.sh")),
    vars: {},
  });
}

/** The profile's storage layout when it mounts something (the plan then has `storage-mounted`). */
function mountedLayout(profile: Profile): StorageLayout | undefined {
  const layout = storageLayout(profile);
  return layout && layout.filesystems.length > 0 ? layout : undefined;
}

/** Whether the plan has the `storage-mounted` step that the data's users (data-layout, the backup units) wait for. */
export function mountsData(profile: Profile): boolean {
  return mountedLayout(profile) !== undefined;
}

/**
 * The storage steps: packages, then (raid0) the array, then each filesystem, then fstab and
 * the mounts (`storage-mounted`), then weekly TRIM. None when the profile has no storage
 * section or nothing to mount.
 */
export function storageSteps(profile: Profile): Step[] {
  const layout = mountedLayout(profile);
  if (!layout) return [];
  const { wipe, reformat } = layout.config;
  const steps: Step[] = [
    packagesStep({ id: "storage-packages", title: `storage tools: ${layout.packages.join(", ")}`, concern: CONCERN, packages: layout.packages }),
  ];
  let before = ["storage-packages"];
  if (layout.array) {
    steps.push(raid0ArrayStep(layout.array, wipe, before, reformat));
    before = ["storage-raid0-array"];
  }
  const fsSteps = layout.filesystems.map((f) => filesystemStep(f, wipe, before, reformat));
  steps.push(...fsSteps);
  steps.push(mountedStep(layout, fsSteps.map((s) => s.id)));
  steps.push(fstrimStep([STORAGE_MOUNTED]));
  return steps;
}
