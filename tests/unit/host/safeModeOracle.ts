/**
 * The test oracle for safe mode (src/host/storage/safeMode.sh is the one implementation the
 * steps run). Safe mode: a drive is formatted or joined to an array only when it holds nothing (no
 * filesystem or other signature, no partition table, no array superblock, no mount, nothing
 * built on it), or when the profile names its serial in `storage.wipe`. A drive in use (mounted,
 * or holding a running array) is refused even then: aiws never unmounts or stops anything.
 *
 * This is the pure decision, on what `lsblk -J` and `wipefs --json` print. The storage steps
 * make the decision in bash (safeMode.sh, from `lsblk -P` and `wipefs --noheadings` of the same
 * drive); tests/unit/host/storageSafeMode.test.ts holds both to the same fixtures and the same
 * words.
 */

/** The columns both sides ask lsblk for. */
export const LSBLK_COLUMNS = "NAME,PATH,TYPE,FSTYPE,PTTYPE,MOUNTPOINTS,SERIAL";

/** One device in `lsblk -J -b -o NAME,PATH,TYPE,FSTYPE,PTTYPE,MOUNTPOINTS,SERIAL` output. */
export interface LsblkDevice {
  readonly name: string;
  readonly path: string;
  readonly type: string;
  readonly fstype: string | null;
  readonly pttype: string | null;
  readonly mountpoints: readonly (string | null)[];
  readonly serial: string | null;
  readonly children?: readonly LsblkDevice[];
}

/** One entry of `wipefs --no-act --json --output DEVICE,OFFSET,TYPE,USAGE`. */
export interface WipefsSignature {
  readonly device: string;
  readonly offset: string;
  readonly type: string;
  readonly usage: string;
}

/** What the probes said about one device: `lsblk` is null when the path is no block device. */
export interface DriveProbe {
  readonly lsblk: LsblkDevice | null;
  readonly signatures: readonly WipefsSignature[];
}

/** A device a step would destroy: a data drive, or the array built on RAID members. */
export interface SafeModeTarget {
  /** `/dev/disk/by-id/...` for a drive, the md device for an array. */
  readonly path: string;
  readonly kind: "drive" | "array";
  /** The profile's serial for a drive; every member's serial for an array (all must be in the wipe list). */
  readonly serials: readonly string[];
}

export type SafeModeDecision =
  | { readonly allowed: true; /** Targets that hold something and may be wiped (their serials are in the wipe list). */ readonly wipe: readonly string[] }
  | { readonly allowed: false; readonly refusals: readonly string[]; readonly text: string };

/** The fix for a by-id path that names a partition (or anything else but a whole disk). */
const WHOLE_DISK_FIX = "name the drive itself in hardware.drives (its /dev/disk/by-id/ name without -partN)";
const NO_SERIAL = "the disk there reports no serial, so aiws cannot tell it is the drive the profile names; check with lsblk -d -o PATH,SERIAL";

/** The last line of every refusal. */
export const NOTHING_CHANGED = "safe mode: nothing was changed";

/** Parses `lsblk -J` output; the first block device is the one asked about. */
export function parseLsblkJson(text: string): LsblkDevice | null {
  if (text.trim() === "") return null;
  const data = JSON.parse(text) as { blockdevices?: LsblkDevice[] };
  return data.blockdevices?.[0] ?? null;
}

/** Parses `wipefs --json` output (an empty device prints an empty list, or nothing at all). */
export function parseWipefsJson(text: string): WipefsSignature[] {
  if (text.trim() === "") return [];
  const data = JSON.parse(text) as { signatures?: Partial<WipefsSignature>[] };
  return (data.signatures ?? []).map((s) => ({
    device: s.device ?? "",
    offset: s.offset ?? "",
    type: s.type ?? "",
    usage: s.usage ?? "",
  }));
}

/** How a signature's usage reads in a refusal. */
function usageNoun(usage: string): string {
  switch (usage) {
    case "filesystem":
      return "filesystem";
    case "raid":
      return "RAID superblock";
    case "partition-table":
    case "partition table":
      return "partition table";
    case "crypto":
      return "encryption header";
    default:
      return "signature";
  }
}

function mounts(d: LsblkDevice): string[] {
  return d.mountpoints.filter((m): m is string => m !== null && m !== "");
}

function descendants(d: LsblkDevice): LsblkDevice[] {
  return (d.children ?? []).flatMap((c) => [c, ...descendants(c)]);
}

/** What is on a device, one phrase each, in a fixed order; `inUse` when it is mounted or something runs on it. */
export function describeContents(probe: DriveProbe): { items: string[]; inUse: boolean } {
  const items: string[] = [];
  const types: string[] = [];
  const byType = new Map<string, { usage: string; offsets: string[] }>();
  for (const s of probe.signatures) {
    const seen = byType.get(s.type);
    if (seen) seen.offsets.push(s.offset);
    else {
      byType.set(s.type, { usage: s.usage, offsets: [s.offset] });
      types.push(s.type);
    }
  }
  for (const t of types) {
    const g = byType.get(t)!;
    items.push(`${t} ${usageNoun(g.usage)} at ${g.offsets.join(", ")}`);
  }
  const d = probe.lsblk;
  let inUse = false;
  if (d) {
    if (d.fstype && !types.includes(d.fstype)) items.push(`${d.fstype} (reported by lsblk)`);
    if (d.pttype && !types.includes(d.pttype)) items.push(`${d.pttype} partition table (reported by lsblk)`);
    for (const m of mounts(d)) {
      items.push(`mounted at ${m}`);
      inUse = true;
    }
    for (const c of descendants(d)) {
      const what: string[] = [];
      if (c.fstype) what.push(c.fstype);
      const cm = mounts(c);
      if (cm.length > 0) {
        what.push(`mounted at ${cm.join(", ")}`);
        inUse = true;
      }
      if (c.type !== "part") inUse = true; // an array, LVM or dm-crypt device runs on it
      items.push(`${c.type === "part" ? "partition" : c.type} ${c.name}${what.length > 0 ? ` (${what.join(", ")})` : ""}`);
    }
  }
  return { items, inUse };
}

/** A YAML flow list of serials, as the user would write it. */
export function yamlList(serials: readonly string[]): string {
  return `[${serials.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(", ")}]`;
}

/** The `storage.wipe` line that would allow these serials, keeping what the list already holds. */
export function wipeLine(wipeList: readonly string[], serials: readonly string[]): string {
  const merged = [...wipeList, ...serials.filter((s) => !wipeList.includes(s))];
  return `storage.wipe: ${yamlList(merged)}`;
}

function who(t: SafeModeTarget): string {
  return t.kind === "drive" ? `serial ${t.serials.join(", ")}` : `RAID 0 of serials ${t.serials.join(", ")}`;
}

/**
 * Decides for one target: null when it may be used as it is (empty), "wipe" when it holds
 * something and the wipe list allows destroying it, else the refusal lines.
 */
export function decideTarget(target: SafeModeTarget, probe: DriveProbe, wipeList: readonly string[]): null | "wipe" | string[] {
  const head = `refusing to use ${target.path} (${who(target)})`;
  const d = probe.lsblk;
  if (!d) return [`${head}: no such block device; check hardware.drives against ls -l /dev/disk/by-id/`];
  // A drive is known by its serial, and only a whole disk reports one: a partition's by-id
  // path, or a disk that reports no serial, cannot be proven to be the drive the profile names.
  if (target.kind === "drive" && d.type !== "disk") {
    return [`${head}: it is a ${d.type === "part" ? "partition" : d.type} (${d.path}), not a whole disk; ${WHOLE_DISK_FIX}`];
  }
  if (target.kind === "drive" && !d.serial) return [`${head}: ${NO_SERIAL}`];
  if (target.kind === "drive" && !target.serials.includes(d.serial!)) {
    return [`${head}: the drive there reports serial ${d.serial}, not ${target.serials.join(", ")}; check hardware.drives`];
  }
  const { items, inUse } = describeContents(probe);
  if (items.length === 0) return null;
  const allowed = target.serials.every((s) => wipeList.includes(s));
  if (allowed && !inUse) return "wipe";
  const lines = [`${head}: it holds ${items.join("; ")}`];
  if (inUse) lines.push("  it is in use, and aiws never unmounts a filesystem or stops an array: free it by hand first");
  if (!allowed) lines.push(`  to let aiws destroy what is on it, set in the profile: ${wipeLine(wipeList, target.serials)}`);
  return lines;
}

/** The decision for every target a step would use: all must pass, or nothing is done. */
export function safeModeDecision(inputs: readonly { target: SafeModeTarget; probe: DriveProbe }[], wipeList: readonly string[]): SafeModeDecision {
  const refusals: string[] = [];
  const wipe: string[] = [];
  let wipeable = 0;
  const needed: string[] = [];
  for (const { target, probe } of inputs) {
    const r = decideTarget(target, probe, wipeList);
    if (r === "wipe") wipe.push(target.path);
    else if (r) {
      refusals.push(...r);
      if (r.some((l) => l.includes("storage.wipe: "))) {
        wipeable++;
        needed.push(...target.serials.filter((x) => !wipeList.includes(x) && !needed.includes(x)));
      }
    }
  }
  // Several drives refused for what is on them: one line that allows them all.
  if (wipeable > 1) refusals.push(`to let aiws destroy what is on all of them, set: ${wipeLine(wipeList, needed)}`);
  if (refusals.length > 0) return { allowed: false, refusals, text: [...refusals, NOTHING_CHANGED].join("\n") };
  return { allowed: true, wipe };
}
