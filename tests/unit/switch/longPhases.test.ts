import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESTIC_WRAPPER } from "../../../src/host/backup/paths.js";
import { STATE_DIR } from "../../../src/host/shared.js";
import { runLongPhase, RUN_ROOT, stopRunsScript, type LongPhase, type RootShell } from "../../../src/switch/detached.js";
import { MANIFEST, comparePhase, countFilesScript, hashPhase, parseCount, restorePhase } from "../../../src/switch/longPhases.js";
import { parseManifest } from "../../../src/switch/snapshot.js";
import { movedPath } from "../../../src/switch/moves.js";
import { shellcheck } from "../../helpers/lint.js";
import { lacks } from "../../helpers/systemTools.js";

const ID = "20261203T020000Z";

/** This machine as the host, /var/lib/aiws moved into `root` (the scripts' paths rewritten). */
function localHost(root: string): RootShell {
  return {
    async runScript(script: string) {
      const here = script.replaceAll(STATE_DIR, root);
      const r = spawnSync("bash", ["-s"], { input: here, encoding: "utf8", timeout: 60_000 });
      return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

const moved = (p: LongPhase, root: string): LongPhase => ({
  ...p,
  script: p.script.replaceAll(STATE_DIR, root),
  progress: { ...(p.progress.base ? { base: p.progress.base.replaceAll(STATE_DIR, root) } : {}), now: p.progress.now.replaceAll(STATE_DIR, root) },
});

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("the migration's long phases", () => {
  it("the hashing: every file, names sha256sum would escape included, with the files and bytes done as it goes; the comparison names what changed", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-hash-"));
    const state = join(work, "state");
    const data = join(work, "data");
    mkdirSync(join(data, "lost+found"), { recursive: true });
    const files: Record<string, string> = { "a.bin": "alpha", "b c.txt": "bravo charlie", "back\\slash": "delta", "new\nline": "echo", "lost+found/x": "skipped" };
    // More files than one batch of 256, so the progress has several lines.
    for (let i = 0; i < 300; i++) files[`many/${String(i).padStart(3, "0")}`] = `file ${i}`;
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(data, name, ".."), { recursive: true });
      writeFileSync(join(data, name), text);
    }
    const host = localHost(state);
    const count = parseCount((await host.runScript(countFilesScript([data]))).stdout);
    const kept = Object.entries(files).filter(([n]) => !n.startsWith("lost+found"));
    const bytes = kept.reduce((n, [, t]) => n + Buffer.byteLength(t), 0);
    expect(count).toEqual({ files: kept.length, bytes });

    const hashed = await runLongPhase(host, moved(hashPhase(ID, [data], count), state), { pollMs: 50, runRoot: join(state, "migration-run") });
    expect(hashed.code, hashed.stderr).toBe(0);
    const manifest = parseManifest(hashed.stdout);
    expect(new Map(manifest.map((m) => [m.path, m.hash]))).toEqual(new Map(kept.map(([n, t]) => [join(data, n), sha(t)])));
    expect(readFileSync(join(state, "migration-manifest.sha256z"), "utf8")).toBe(hashed.stdout);
    const progress = readFileSync(join(state, "migration-run", ID, "hash.progress"), "utf8").trim().split("\n");
    expect(progress.length).toBe(2);
    expect(progress.reduce((n, l) => n + Number(l.split(" ")[0]), 0)).toBe(kept.length);
    expect(progress.reduce((n, l) => n + Number(l.split(" ")[1]), 0)).toBe(bytes);

    // After the restore: one file differs, one is missing. sha256sum goes on past the missing one.
    writeFileSync(join(data, "b c.txt"), "changed");
    rmSync(join(data, "new\nline"));
    const compared = await runLongPhase(host, moved(comparePhase(ID, { files: kept.length, bytes }), state), { pollMs: 50, runRoot: join(state, "migration-run") });
    expect(compared.code).toBe(123);
    expect(compared.stderr).toContain("No such file or directory");
    const now = new Map(parseManifest(compared.stdout).map((m) => [m.path, m.hash]));
    expect(manifest.filter((m) => now.get(m.path) !== m.hash).map((m) => m.path)).toEqual([join(data, "b c.txt"), join(data, "new\nline")]);
  });

  it("a file that cannot be read stops the hashing: it is never left out of the manifest quietly", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-hash-"));
    const state = join(work, "state");
    const data = join(work, "data");
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, "ok"), "fine");
    // A file deleted between find and sha256sum: its name reaches the hashing, the file does not.
    const host = localHost(state);
    const phase = moved(hashPhase(ID, [data], undefined), state);
    const broken = { ...phase, script: phase.script.replace("| sort -z |", "| sort -z | { cat; printf '%s\\0' /nonexistent/file; } |") };
    const r = await runLongPhase(host, broken, { pollMs: 50, runRoot: join(state, "migration-run") });
    expect(r.code).not.toBe(0);
  });

  it("sums past 2^31 bytes come back as whole numbers under mawk too (Debian's and Ubuntu's awk), so the progress lines keep their figures", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-big-"));
    // Sparse files: 6 GiB apparent, nothing written.
    for (const n of ["a", "b"]) spawnSync("truncate", ["-s", "3G", join(work, n)]);
    const host = localHost(join(work, "state"));
    expect((await host.runScript(countFilesScript([work]))).stdout).toBe("2 6442450944\n");
    const progress = join(work, "p");
    writeFileSync(progress, "256 3221225472\n256 3221225472\n");
    const now = hashPhase(ID, [work], undefined).progress.now.replaceAll(`${RUN_ROOT}/${ID}/hash.progress`, progress);
    expect(spawnSync("bash", ["-c", now], { encoding: "utf8" }).stdout).toBe("512 6442450944\n");
    // The poll's own line, through the follow loop: a figure in GB, not 6.44245e+09.
    const lines: string[] = [];
    const phase: LongPhase = { id: ID, name: "restore", what: "a test", script: "sleep 1", progress: { now: "echo 512 6442450944" }, total: { files: 1024, bytes: 12884901888 } };
    await runLongPhase(host, phase, { pollMs: 100, reportMs: 0, runRoot: join(work, "runs"), log: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes("512 of 1024 files, 6.4 of 12.9 GB (50%)"))).toBe(true);
  });

  it.skipIf(lacks("restic"))("the restore of a moved mountpoint (storage.moves): restic's files renamed into their folder, compared there; a second restore replaces the first", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-move-"));
    const state = join(work, "state");
    const from = join(work, "projects");
    const to = join(work, "data", "from-projects");
    const files: Record<string, string> = { "e2e/notes.bin": "notes", "sub dir/new\nline": "odd name", "top": "top" };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(from, name, ".."), { recursive: true });
      writeFileSync(join(from, name), text);
    }
    mkdirSync(join(work, "data"));
    // The host's restic wrapper: a repository of the test's own.
    const wrapper = join(work, "aiws-restic");
    writeFileSync(wrapper, `#!/bin/sh\nexec restic --quiet --repo '${join(work, "repo")}' --password-file '${join(work, "pw")}' "$@"\n`, { mode: 0o755 });
    writeFileSync(join(work, "pw"), "test");
    const sh = (script: string) => spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(sh(`'${wrapper}' init && '${wrapper}' backup '${from}'`).status).toBe(0);
    const snapshot = JSON.parse(sh(`'${wrapper}' snapshots --json`).stdout)[0].id as string;
    const host = localHost(state);
    const hashed = await runLongPhase(host, moved(hashPhase(ID, [from], undefined), state), { pollMs: 50, runRoot: join(state, "migration-run") });
    expect(hashed.code, hashed.stderr).toBe(0);
    const manifest = parseManifest(hashed.stdout);
    const moves = [{ from, to }];
    // The filesystem the test's folder is on stands for the new layout's mountpoint.
    const mount = spawnSync("findmnt", ["-n", "-o", "TARGET", "-T", work], { encoding: "utf8" }).stdout.trim();
    const total = { files: manifest.length, bytes: 0 };

    for (const attempt of ["first", "again"]) {
      const p = moved(restorePhase(ID, snapshot, [], [mount], total, moves), state);
      const restored = await runLongPhase(host, { ...p, script: p.script.replaceAll(RESTIC_WRAPPER, wrapper) }, { pollMs: 50, runRoot: join(state, "migration-run") });
      expect(restored.code, restored.stderr).toBe(0);
      for (const [name, text] of Object.entries(files)) expect(readFileSync(join(to, name), "utf8"), `${attempt}: ${name}`).toBe(text);
      expect(spawnSync("ls", ["-A", join(work, "data")], { encoding: "utf8" }).stdout, attempt).toBe("from-projects\n");
    }
    const compared = await runLongPhase(host, moved(comparePhase(ID, total, moves), state), { pollMs: 50, runRoot: join(state, "migration-run") });
    expect(compared.code, compared.stderr).toBe(0);
    const now = new Map(parseManifest(compared.stdout).map((m) => [m.path, m.hash]));
    expect(manifest.map((m) => now.get(movedPath(m.path, moves)) === m.hash)).toEqual(manifest.map(() => true));
    expect(now.has(join(to, "sub dir/new\nline"))).toBe(true);
  });

  it.skipIf(lacks("shellcheck"))("each phase's script is clean under shellcheck", () => {
    for (const p of [hashPhase(ID, ["/data", "/scratch"], { files: 1, bytes: 1 }), restorePhase(ID, "5e".repeat(32), ["/data"], ["/data"], { files: 1, bytes: 1 }, [{ from: "/projects", to: "/data/from-projects" }], true), comparePhase(ID, { files: 1, bytes: 1 }, [{ from: "/projects", to: "/data/from-projects" }])]) {
      expect(shellcheck(p.script), p.name).toBe("");
      expect(shellcheck(`export d=${RUN_ROOT}/${ID}\n${p.progress.base ?? ""}\n${p.progress.now}\n`), p.name).toBe("");
    }
    expect(shellcheck(countFilesScript(["/data"]))).toBe("");
    expect(shellcheck(`set -euo pipefail\n${stopRunsScript(ID)}\n`)).toBe("");
    expect(MANIFEST).toBe("/var/lib/aiws/migration-manifest.sha256z");
  });
});
