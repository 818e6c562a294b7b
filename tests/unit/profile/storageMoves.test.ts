import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryLoadProfile } from "../../../src/profile/load.js";

const LAB_RAID0 = join(import.meta.dirname, "../../../lab/profiles/lab-raid0.yaml");

/** lab-raid0.yaml (RAID 0 at /data, /data backed up) with `moves` (YAML flow) and `backupPaths`. */
function withMoves(moves: string, backupPaths = "[/data]"): { ok: boolean; problems: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "aiws-moves-"));
  const file = join(dir, "switch.yaml");
  writeFileSync(file, `extends: ${LAB_RAID0}\nname: lab-raid0-switch\nstorage:\n  moves: ${moves}\nbackup:\n  paths: ${backupPaths}\n`);
  const { loaded, problems } = tryLoadProfile(file);
  return { ok: loaded !== undefined, problems: problems.map((p) => `${p.path}: ${p.message}`) };
}

describe("storage.moves: where a layout switch restores a mountpoint the new layout drops", () => {
  it("takes folders below the layout's mountpoint, backed up", () => {
    const r = withMoves("[{ from: /projects, to: /data/from-projects }, { from: /scratch, to: /data/old/scratch }]");
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("refuses a destination that is not below a mountpoint of the layout, or is the mountpoint itself", () => {
    expect(withMoves("[{ from: /projects, to: /srv/projects }]").problems).toEqual([
      "storage.moves.0.to: /srv/projects is not a folder below a mountpoint of this layout (/data): put it under one, like /data/projects",
    ]);
    expect(withMoves("[{ from: /projects, to: /data }]").problems).toEqual([
      "storage.moves.0.to: /data is or holds /data, a mountpoint of this layout: pick a folder below one, like /data/projects",
    ]);
  });

  it("refuses a destination that holds another mountpoint of the layout: the restore empties it first, and rm would cross into that filesystem", () => {
    // lab-independent with its second drive at /data/fast, below /data.
    const dir = mkdtempSync(join(tmpdir(), "aiws-moves-"));
    const file = join(dir, "nested.yaml");
    const id = (n: number) => `/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_AIWSLAB000${n}`;
    writeFileSync(
      file,
      [
        `extends: ${join(import.meta.dirname, "../../../lab/profiles/lab-independent.yaml")}`,
        "name: nested",
        "storage:",
        `  mounts: [{ drive: ${id(1)}, mountpoint: /data }, { drive: ${id(2)}, mountpoint: /data/fast }, { drive: ${id(3)}, mountpoint: /projects }]`,
        "  moves: [{ from: /archive, to: /data/fast }, { from: /old, to: /data }]",
        "",
      ].join("\n"),
    );
    const { problems } = tryLoadProfile(file);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "storage.moves.0.to: /data/fast is or holds /data/fast, a mountpoint of this layout: pick a folder below one, like /data/fast/archive",
      "storage.moves.1.to: /data is or holds /data, a mountpoint of this layout: pick a folder below one, like /data/old",
      "storage.moves.1.to: /data overlaps storage.moves.0's /data/fast: each moved mountpoint needs a folder of its own",
    ]);
  });

  it("refuses a move of a mountpoint the layout keeps, one moved twice, and destinations inside each other", () => {
    expect(withMoves("[{ from: /data/x, to: /data/y }]").problems).toEqual([
      "storage.moves.0.from: /data/x lies under /data, which this layout mounts: its data is restored in place, so no move is needed; remove this entry",
    ]);
    expect(withMoves("[{ from: /a, to: /data/a }, { from: /a, to: /data/b }]").problems).toEqual([
      "storage.moves.1.from: /a is moved twice (also storage.moves.0): give each old mountpoint one destination",
    ]);
    expect(withMoves("[{ from: /a, to: /data/a }, { from: /b, to: /data/a/b }]").problems).toEqual([
      "storage.moves.1.to: /data/a/b overlaps storage.moves.0's /data/a: each moved mountpoint needs a folder of its own",
    ]);
  });

  it("refuses a destination named like the folder a move's restore is staged in: one move's clean-up would remove the other", () => {
    expect(withMoves("[{ from: /a, to: /data/x }, { from: /b, to: /data/x.aiws-restore }]").problems).toEqual([
      "storage.moves.1.to: /data/x.aiws-restore ends in .aiws-restore, the name the restore stages a move in: pick another name",
    ]);
  });

  it("refuses a destination the backups would not cover: the moved data would have no copy", () => {
    expect(withMoves("[{ from: /projects, to: /data/from-projects }]", "[/data/models]").problems).toContain(
      "storage.moves.0.to: /data/from-projects is not in backup.paths (/data/models): the moved data would no longer be backed up; add /data to backup.paths, or move it under one of them",
    );
  });

  it("checks the paths' shape like any mountpoint", () => {
    expect(withMoves("[{ from: projects, to: /data/../etc }]").problems.length).toBeGreaterThanOrEqual(2);
  });
});
