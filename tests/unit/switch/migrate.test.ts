import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { runMigration, type RootShell } from "../../../src/switch/migrate.js";
import type { RunResult } from "../../../src/ssh/ssh.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");
const from = loadProfile(join(PROFILES, "dual-gpu.yaml")).profile;
const to = loadProfile(join(PROFILES, "quad-gpu.yaml")).profile;
const NOW = new Date("2026-11-27T10:00:00Z");

/** A host that answers the migration's scripts from a table, and records them. */
function fakeHost(answer: (script: string) => Partial<RunResult> | undefined): RootShell & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    async runScript(script: string) {
      scripts.push(script);
      return { code: 0, stdout: "", stderr: "", ...(answer(script) ?? {}) };
    },
  };
}

const status = (over: object = {}) =>
  JSON.stringify({
    version: 1,
    repository: "sftp:nas:/b",
    lastBackup: { time: "2026-11-27T10:00:05Z", snapshot: "abc123", durationSeconds: 3, warnings: false },
    lastCheck: { time: "2026-11-27T10:00:09Z", subset: "5%" },
    snapshotCount: 3,
    lastFailure: null,
    lastRestoreDrill: null,
    ...over,
  });

const hash = (c: string) => c.repeat(64);

function healthyHost(extra: (s: string) => Partial<RunResult> | undefined = () => undefined) {
  return fakeHost((s) => {
    const e = extra(s);
    if (e) return e;
    if (s.includes("aiws-backup-status")) return { stdout: status() };
    if (s.includes("ls --json --recursive latest")) return { stdout: ['{"struct_type":"snapshot"}', '{"type":"dir","path":"/data"}', '{"type":"file","path":"/data/a.bin"}', '{"type":"file","path":"/data/b c.txt"}'].join("\n") };
    if (s.includes("sha256sum\n") || s.includes("xargs -0 -r sha256sum")) return { stdout: `${hash("a")}  /data/a.bin\n${hash("b")}  /data/b c.txt\n` };
    return undefined;
  });
}

describe("the layout migration", () => {
  it("backs up, verifies, hashes, rebuilds, restores and compares, in that order", async () => {
    const host = healthyHost();
    let converged = 0;
    const r = await runMigration({ host, from, to, converge: async () => void converged++, now: () => NOW });
    expect(r).toMatchObject({ ok: true, files: 2, mismatches: [] });
    expect(r.phases.map((p) => p.name)).toEqual(["backup", "verify", "rebuild", "restore", "verify-again"]);
    expect(converged).toBe(1);
    const order = ["systemctl start aiws-backup.service", "systemctl start aiws-backup-check.service", "ls --json --recursive latest", "migration-manifest.sha256 <<", "umount '/data'", "restore latest --target / --include '/data' --verify", "sha256sum --quiet --check"];
    const at = order.map((o) => host.scripts.findIndex((s) => s.includes(o)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });

  it("stops, changing nothing, when the backup fails", async () => {
    const host = healthyHost((s) => (s.includes("aiws-backup.service") ? { code: 1, stderr: "Job for aiws-backup.service failed" } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.ok).toBe(false);
    expect(r.error).toContain("the backup (aiws-backup.service) failed");
    expect(r.error).toContain("nothing on the host was changed");
    expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
  });

  it("stops, changing nothing, when files on the old layout are in no snapshot", async () => {
    const host = healthyHost((s) => (s.includes("xargs -0 -r sha256sum") ? { stdout: `${hash("a")}  /data/a.bin\n${hash("c")}  /data/models/w.gguf\n` } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.error).toContain("1 file(s) on the old layout are in no snapshot");
    expect(r.error).toContain("/data/models/w.gguf");
    expect(r.error).toContain("--discard-unbacked-up");
    expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
  });

  it("stops when the snapshot holds none of the files, even when losing some was agreed", async () => {
    const host = healthyHost((s) => (s.includes("ls --json --recursive latest") ? { stdout: '{"struct_type":"snapshot"}\n' } : undefined));
    const r = await runMigration({ host, from, to, discardUnbackedUp: true, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.error).toContain("the latest snapshot holds none of the 2 file(s) on the old layout");
    expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
  });

  it("stops when the backup is not verified by a check after it", async () => {
    const host = healthyHost((s) => (s.includes("aiws-backup-status") ? { stdout: status({ lastCheck: { time: "2026-11-26T01:00:00Z", subset: "5%" } }) } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.error).toContain("the backup is not verified");
  });

  it("reports every restored file that differs", async () => {
    const host = healthyHost((s) => (s.includes("--quiet --check") ? { stdout: "/data/b c.txt: FAILED\nsha256sum: WARNING: 1 computed checksum did NOT match\n" } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => undefined, now: () => NOW });
    expect(r.ok).toBe(false);
    expect(r.mismatches).toEqual(["/data/b c.txt"]);
    expect(r.error).toContain("the host was changed");
  });

  it("a failed rebuild stops with the reason, the data safe in the verified snapshot", async () => {
    const host = healthyHost();
    const r = await runMigration({ host, from, to, converge: async () => { throw new Error("pulumi up failed (exit 255)"); }, now: () => NOW });
    expect(r.error).toContain("converging the new layout failed: pulumi up failed (exit 255)");
    expect(r.error).toContain("the data is in the verified snapshot");
  });
});
