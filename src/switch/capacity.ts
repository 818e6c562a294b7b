import type { Profile } from "../profile/schema/profile.js";
import { storageLayout } from "../host/storage/layout.js";
import { isUnder } from "../profile/schema/storage.js";

/**
 * Whether the new layout can hold what the migration will restore, asked before the wipe:
 * a restore that runs out of space half way leaves the data split between a full array and
 * the snapshot. Each restored file lands on the new filesystem whose mountpoint is the
 * deepest one above it; a filesystem holds about its drives' size less what the filesystem
 * itself takes.
 */

/** Share of the raw size a fresh XFS or ext4 leaves for files (metadata, journal, inode tables). */
const USABLE_SHARE = 0.95;

interface NewFilesystem {
  readonly mountpoint: string;
  /** The by-id paths of its drives (the array's members, or the one drive). */
  readonly drives: readonly string[];
}

export function newFilesystems(to: Profile): NewFilesystem[] {
  const layout = storageLayout(to);
  if (!layout) return [];
  return layout.filesystems.map((f) => ({ mountpoint: f.mountpoint, drives: f.kind === "array" ? layout.array!.members.map((m) => m.id) : [f.device] }));
}

/** The shell that prints `BY-ID-PATH<TAB>BYTES` for each drive (lsblk, the whole device). */
export function driveSizesScript(drives: readonly string[]): string {
  return drives.map((d) => `printf '%s\\t%s\\n' '${d}' "$(lsblk -b -dn -o SIZE '${d}')"`).join("\n");
}

export function parseDriveSizes(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [path, bytes] = line.split("\t");
    if (path && bytes && /^\d+$/.test(bytes.trim())) sizes.set(path, Number(bytes.trim()));
  }
  return sizes;
}

/** Why the new layout cannot hold the files (path -> bytes), or undefined when it can. */
export function capacityRefusal(files: ReadonlyMap<string, number>, filesystems: readonly NewFilesystem[], sizes: ReadonlyMap<string, number>): string | undefined {
  const deepestFirst = [...filesystems].sort((a, b) => b.mountpoint.length - a.mountpoint.length);
  const need = new Map<string, number>();
  for (const [path, bytes] of files) {
    const fs = deepestFirst.find((f) => isUnder(path, f.mountpoint));
    if (fs) need.set(fs.mountpoint, (need.get(fs.mountpoint) ?? 0) + bytes);
  }
  const short: string[] = [];
  for (const fs of filesystems) {
    const raw = fs.drives.reduce((sum, d) => sum + (sizes.get(d) ?? Number.NaN), 0);
    if (Number.isNaN(raw)) return `cannot read the size of ${fs.drives.filter((d) => !sizes.has(d)).join(", ")} (lsblk): is every drive of the new layout present?`;
    const usable = raw * USABLE_SHARE;
    const wanted = need.get(fs.mountpoint) ?? 0;
    if (wanted > usable) short.push(`${fs.mountpoint} would hold about ${gb(usable)} (${fs.drives.length} drive(s), ${gb(raw)} raw) but ${gb(wanted)} is to be restored onto it`);
  }
  return short.length > 0 ? `the new layout is too small: ${short.join("; ")}. Add drives to the new layout, or move data off the workstation, then run the switch again` : undefined;
}

function gb(bytes: number): string {
  return bytes >= 1e12 ? `${(bytes / 1e12).toFixed(2)} TB` : `${(bytes / 1e9).toFixed(2)} GB`;
}
