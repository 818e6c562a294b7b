import { describe, expect, it } from "vitest";
import { loadProfile } from "../../../src/profile/load.js";
import { profileSchema } from "../../../src/profile/schema/profile.js";
import { runsAtLeastDaily } from "../../../src/profile/schema/backup.js";

/** The storage and backup rules of the profile schema, on the shipped quad-gpu and base profiles. */
const quad = loadProfile("profiles/quad-gpu.yaml").profile;
const base = loadProfile("profiles/base.yaml").profile;

function problems(p: unknown): string[] {
  const r = profileSchema.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("storage rules", () => {
  it("accepts the shipped profiles", () => {
    expect(problems(quad)).toEqual([]);
    expect(problems(base)).toEqual([]);
  });

  it("allows RAID 0 only with a backup section", () => {
    const { backup: _b, ...noBackup } = structuredClone(quad);
    expect(problems(noBackup)).toEqual([
      "storage.layout: RAID 0 loses everything on it when any one drive fails: add a backup section (restic to a NAS, daily), or use layout: independent",
    ]);
  });

  it("allows RAID 0 only with backups at least daily, that include the array", () => {
    const p = structuredClone(quad);
    p.backup!.schedule = "weekly";
    p.backup!.paths = ["/home", "/etc"];
    expect(problems(p)).toEqual([
      'backup.schedule: RAID 0 needs backups at least daily; "weekly" is less often (use daily, or a time of day like "*-*-* 02:00")',
      "backup.paths: the RAID 0 array is mounted at /data, which backup.paths does not include: add /data",
    ]);
  });

  it("knows which calendar expressions run daily", () => {
    for (const s of ["daily", "hourly", "*-*-* 02:00:00", "02:30", "*-*-* *:00", "Daily"]) expect(runsAtLeastDaily(s)).toBe(true);
    for (const s of ["weekly", "monthly", "Mon *-*-* 02:00", "*-*-01 02:00", "Sat,Sun 03:00"]) expect(runsAtLeastDaily(s)).toBe(false);
  });

  it("refuses a wipe entry for a drive the layout does not use, and the OS drive", () => {
    const p = structuredClone(quad);
    p.storage!.wipe = ["2402E8A20001", "S7HENJ0X100001A", "NOPE"];
    expect(problems(p)).toEqual([
      "storage.wipe.1: S7HENJ0X100001A is the OS drive; aiws never wipes it",
      "storage.wipe.2: no drive in hardware.drives has serial NOPE",
    ]);
    const b = structuredClone(base);
    b.hardware.drives.push({ ...b.hardware.drives[1]!, id: "/dev/disk/by-id/nvme-spare_1", serial: "SPARE1", role: "spare" });
    b.storage!.wipe = ["SPARE1"];
    expect(problems(b)).toEqual(["storage.wipe.0: SPARE1 is not a drive this independent layout uses; remove it from the wipe list"]);
  });

  it("refuses system directories as mountpoints, chunks that are not powers of two, a drive mounted twice", () => {
    const b = structuredClone(base);
    b.storage!.mounts = [
      { drive: b.storage!.mounts[0]!.drive, mountpoint: "/usr" },
      { drive: b.storage!.mounts[0]!.drive, mountpoint: "/data/../etc" },
    ];
    expect(problems(b)).toEqual([
      expect.stringMatching(/^storage\.mounts\.0\.mountpoint: must not be a system directory/),
      "storage.mounts.1.mountpoint: must not contain . or .. components",
      expect.stringMatching(/^storage\.mounts\.1\.drive: .* is already mounted by storage\.mounts\.0/),
    ]);
    const q = structuredClone(quad);
    q.storage!.raid!.chunkKiB = 384;
    expect(problems(q)).toEqual(["storage.raid.chunkKiB: 384 KiB is not a power of two; mdadm's RAID 0 chunks are (512 is the default)"]);
  });

  it("holds backup strings to what unit files and ssh_config can carry", () => {
    const p = structuredClone(base);
    p.backup!.nas.host = "nas.lan\nProxyCommand evil";
    p.backup!.schedule = "daily\nExecStart=/bin/sh";
    p.backup!.paths = ["/home\n/etc"];
    expect(problems(p).map((x) => x.split(":")[0])).toEqual(["backup.nas.host", "backup.paths.0", "backup.schedule"]);
  });
});
