/**
 * storage.moves on the host (src/switch/moves.ts), run here with bash: the comparison's path
 * mapping agrees with movedPath whatever the moves, and a destination reached through a
 * symbolic link is never emptied.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESTIC_WRAPPER } from "../../../src/host/backup/paths.js";
import { moveRestoreLines, movedNamesSed, movedPath } from "../../../src/switch/moves.js";

describe("storage.moves on the host", () => {
  it("the comparison's names go where movedPath says: the deepest move only, even when a destination lies below another move's mountpoint", () => {
    const moves = [
      { from: "/a", to: "/x/y/from-a" },
      { from: "/x", to: "/x/y/from-x" },
      { from: "/a/b.c", to: "/x/y/from-abc" },
    ];
    const names = ["/a/f", "/x/g", "/a/b.c/h", "/a/bxc/i", "/data/j", "/x/y/from-a/k", "/a/new\nline"];
    const r = spawnSync("bash", ["-c", movedNamesSed(moves)], { input: names.map((n) => `${n}\0`).join(""), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(names.map((n) => movedPath(n, moves)));
    expect(names.map((n) => movedPath(n, moves))).toEqual(["/x/y/from-a/f", "/x/y/from-x/g", "/x/y/from-abc/h", "/x/y/from-a/bxc/i", "/data/j", "/x/y/from-x/y/from-a/k", "/x/y/from-a/new\nline"]);
  });

  it("a destination whose folder is reached through a symbolic link (restored with the old /data) is left alone, and the restore stops saying why", () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-moves-"));
    const mount = spawnSync("findmnt", ["-n", "-o", "TARGET", "-T", work], { encoding: "utf8" }).stdout.trim();
    // /data/shared is a link to someone's home: root's rm would reach their files.
    mkdirSync(join(work, "home/projects"), { recursive: true });
    writeFileSync(join(work, "home/projects/keep"), "theirs");
    mkdirSync(join(work, "data"));
    symlinkSync(join(work, "home"), join(work, "data/shared"));
    const to = join(work, "data/shared/projects");
    const script = ["set -euo pipefail", ...moveRestoreLines("5e".repeat(32), [{ from: "/projects", to }], [mount])].join("\n").replaceAll(RESTIC_WRAPPER, "echo restic");
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${to}: a folder on its path (${join(work, "data/shared")}) is a symbolic link; nothing was removed there`);
    expect(existsSync(join(work, "home/projects/keep"))).toBe(true);
    expect(existsSync(join(work, "home/projects.aiws-restore"))).toBe(false);
  });

  it("a destination whose new mountpoint is not mounted is left alone", () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-moves-"));
    const script = ["set -euo pipefail", ...moveRestoreLines("5e".repeat(32), [{ from: "/projects", to: join(work, "data/from-projects") }], [join(work, "data")])].join("\n").replaceAll(RESTIC_WRAPPER, "echo restic");
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(work, "data")} is not mounted; nothing was removed there`);
    expect(existsSync(join(work, "data"))).toBe(false);
  });
});
