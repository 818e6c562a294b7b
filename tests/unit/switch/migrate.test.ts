import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { runMigration } from "../../../src/switch/migrate.js";
import type { RootShell } from "../../../src/switch/detached.js";
import type { RunResult } from "../../../src/ssh/ssh.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");
const from = loadProfile(join(PROFILES, "dual-gpu.yaml")).profile;
const to = loadProfile(join(PROFILES, "quad-gpu.yaml")).profile;
const NOW = new Date("2026-11-27T10:00:00Z");
/** The host's clock when the quiesce made the old layout read-only: just before the backup. */
const FROZEN = NOW.getTime() / 1000 + 1;

/**
 * A host that answers the migration's scripts from a table, and records them. A long phase
 * (src/switch/detached.ts) runs "detached": its start is answered from the table (a 255 there
 * is a connection lost before it started), its one poll says it is done, and the collection
 * of its result gives what the table answers for its body.
 */
function fakeHost(answer: (script: string) => Partial<RunResult> | undefined): RootShell & { scripts: string[] } {
  const scripts: string[] = [];
  const results = new Map<string, RunResult>();
  const run = (script: string): RunResult => ({ code: 0, stdout: "", stderr: "", ...(answer(script) ?? {}) });
  return {
    scripts,
    async runScript(script: string) {
      scripts.push(script);
      const start = /^cat >"\$d\/(\w+)\.sh" <<'(AIWS_LONG_PHASE\w*)'\n([\s\S]*?)\n\2$/m.exec(script);
      if (start) {
        const first = run(script);
        if (first.code === 255) return first;
        results.set(start[1]!, run(start[3]!));
        return { code: 0, stdout: `${start[1]} runs on the host`, stderr: "" };
      }
      if (/^if \[\[ -e "\$d\/\w+\.rc" \]\]; then echo "done"/m.test(script)) return { code: 0, stdout: "done\n", stderr: "" };
      const collect = /^cat "\$d\/(\w+)\.out"$/m.exec(script);
      if (collect) return results.get(collect[1]!) ?? { code: 1, stdout: "", stderr: `no run of ${collect[1]}` };
      return run(script);
    },
  };
}

/** `host`, but the first script `match` picks gets `fail` instead (a cut connection, a client that dies). */
function failOnce(host: RootShell, match: (script: string) => boolean, fail: () => Promise<RunResult>): RootShell {
  let done = false;
  return {
    runScript: async (script, opts) => {
      if (!done && match(script)) {
        done = true;
        return fail();
      }
      return host.runScript(script, opts);
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
/** The snapshot the migration tags and then finds by its tag (restic gives it a new id). */
const SNAP = "5e".repeat(32);
/** Names sha256sum would escape in its text format: a backslash, a newline. */
const ODD = ["/data/a.bin", "/data/b c.txt", "/data/back\\slash", "/data/new\nline"];
/** `sha256sum -z` output for the files (hash letter per file). */
const zsum = (files: readonly (readonly [string, string])[]) => files.map(([h, f]) => `${hash(h)}  ${f}\0`).join("");
const FILES = [["a", ODD[0]!], ["b", ODD[1]!], ["c", ODD[2]!], ["d", ODD[3]!]] as const;

/** What the drive-size script prints, every drive of the new layout `bytes` large. */
const driveSizes = (script: string, bytes: number) => [...script.matchAll(/printf '%s\\t%s\\n' '([^']+)'/g)].map((m) => `${m[1]}\t${bytes}\n`).join("");

function healthyHost(extra: (s: string) => Partial<RunResult> | undefined = () => undefined) {
  return fakeHost((s) => {
    const e = extra(s);
    if (e) return e;
    if (s.includes("aiws-backup-status")) return { stdout: status() };
    if (s.includes("lsblk -b -dn -o SIZE")) return { stdout: driveSizes(s, 4e12) };
    if (s.includes("snapshots --json --tag aiws-migration-")) return { stdout: JSON.stringify([{ id: SNAP, short_id: SNAP.slice(0, 8), time: "2026-11-27T10:00:03.123456789Z", tags: ["aiws", "aiws-migration"] }]) };
    if (s.includes('echo "frozen-at')) return { stdout: `stopped: aiws-backup.timer; read-only: /data\nfrozen-at ${FROZEN}\n` };
    if (s.includes(`ls --json --recursive '${SNAP}'`)) return { stdout: ['{"struct_type":"snapshot"}', '{"type":"dir","path":"/data"}', ...ODD.map((p) => JSON.stringify({ type: "file", path: p, size: 3e11 }))].join("\n") };
    if (s.includes("| tee /var/lib/aiws/migration-manifest.sha256z")) return { stdout: zsum(FILES) };
    if (s.includes("cut -z -c67-")) return { stdout: zsum(FILES) };
    return undefined;
  });
}

/** A healthy host that keeps the journal the migration writes, and fails the scripts `cut` matches once (ssh's 255). */
function journaledHost(cut?: (s: string) => boolean, answer: (s: string) => Partial<RunResult> | undefined = () => undefined) {
  let journal = "";
  let cutDone = false;
  const host = healthyHost((s) => {
    const a = answer(s);
    if (a) return a;
    if (cut && !cutDone && cut(s)) {
      cutDone = true;
      return { code: 255, stdout: "", stderr: "" };
    }
    const w = /printf '%s\\n' '(\{[^']*\})' >(?:\/var\/lib\/aiws\/migration-journal\.json\.tmp|"\$tmp")/.exec(s);
    if (w) journal = w[1]!;
    if (/rm -f \/var\/lib\/aiws\/migration-journal\.json$|rm -f \S+ \/var\/lib\/aiws\/migration-journal\.json/m.test(s)) journal = "";
    if (s.includes("cat /var/lib/aiws/migration-journal.json")) return { stdout: journal };
    if (s.includes("cat /var/lib/aiws/migration-manifest.sha256z")) return { stdout: zsum(FILES) };
    return undefined;
  });
  return { host, journal: () => journal, setJournal: (j: object) => void (journal = JSON.stringify(j)) };
}

describe("the layout migration", () => {
  it("backs up, verifies, hashes, rebuilds, restores and compares, in that order", async () => {
    const host = healthyHost();
    let converged = 0;
    const r = await runMigration({ host, from, to, converge: async () => void converged++, now: () => NOW });
    expect(r).toMatchObject({ ok: true, files: 4, mismatches: [] });
    expect(r.phases.map((p) => p.name)).toEqual(["preflight", "quiesce", "backup", "verify", "rebuild", "restore", "verify-again", "resume"]);
    expect(converged).toBe(1);
    const order = [
      "systemctl stop \"$unit\"",
      "mount -o remount,ro",
      "systemctl start aiws-backup.service",
      "tag --add aiws-migration --add aiws-migration-20261127T100000Z 'abc123'",
      "systemctl start aiws-backup-check.service",
      `ls --json --recursive '${SNAP}'`,
      "| tee /var/lib/aiws/migration-manifest.sha256z",
      "> /var/lib/aiws/migration-in-progress",
      'umount "$m"',
      `restore '${SNAP}' --target / --include '/data' --verify`,
      "cut -z -c67- /var/lib/aiws/migration-manifest.sha256z | xargs -0 -r -n 256 bash -c",
      "rm -f /var/lib/aiws/migration-in-progress /var/lib/aiws/backup-guard",
      "systemctl start \"$unit\"",
    ];
    const at = order.map((o) => host.scripts.findIndex((s) => s.includes(o)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });

  it("stops, changing nothing, when the backup fails", async () => {
    const host = healthyHost((s) => (s.includes("systemctl start aiws-backup.service") ? { code: 1, stderr: "Job for aiws-backup.service failed" } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.ok).toBe(false);
    expect(r.error).toContain("the backup (aiws-backup.service) failed");
    expect(r.error).toContain("no drive was touched: the old layout is mounted and writable again");
    expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
    // The way back: writable again, the stopped units started again.
    expect(host.scripts.at(-1)).toContain("mount -o remount,rw");
    expect(host.scripts.at(-1)).toContain("systemctl start \"$unit\"");
  });

  it("stops the inference services and the backup timers, then makes the data read-only, before the backup", async () => {
    const host = healthyHost();
    await runMigration({ host, from, to, converge: async () => undefined, now: () => NOW });
    const quiesce = host.scripts.find((s) => s.includes("frozen-at"))!;
    expect(quiesce).toContain("for unit in 'aiws-backup.timer' 'aiws-backup-check.timer'");
    for (const s of from.inference.services) expect(quiesce).toContain(`'aiws-${s.runtime === "llama.cpp" ? "llamacpp" : s.runtime}-${s.name}.service'`);
    expect(quiesce).toContain("echo \"$unit\" >>/var/lib/aiws/migration-stopped-units");
    expect(quiesce).toContain("mount -o remount,ro \"$m\"");
  });

  it("stops before the backup, changing nothing, when a process keeps writing to the data", async () => {
    const host = healthyHost((s) =>
      s.includes("remount,ro") && !s.includes("remount,rw") ? { code: 1, stderr: "cannot make /data read-only (mount: /data: mount point is busy.): files on it are open for writing by process 4242 (python3, jupyter.service). Stop them, then run the switch again" } : undefined,
    );
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.ok).toBe(false);
    expect(r.phases.map((p) => p.name)).toEqual(["preflight"]);
    expect(r.error).toContain("process 4242 (python3, jupyter.service)");
    expect(r.error).toContain("no drive was touched");
    expect(host.scripts.some((s) => s.includes("systemctl start aiws-backup.service"))).toBe(false);
  });

  it("stops before the rebuild, no drive touched, when another namespace still mounts the old filesystem", async () => {
    const holder = "the old layout's filesystem (device 259:1) is unmounted here but still mounted in the namespace of process 77 (ollama, aiws-ollama-local.service): stop them";
    const host = healthyHost((s) => (s.includes("aiws_ns_holders \"$d\"") ? { code: 1, stderr: holder } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.ok).toBe(false);
    expect(r.error).toContain(holder);
    expect(r.error).toContain("no drive was touched: the old layout is mounted and writable again");
    const back = host.scripts.at(-1)!;
    expect(back).toContain("rm -f /var/lib/aiws/migration-in-progress");
    expect(back).toContain('mount "$m"');
  });

  describe("files on the old layout that no snapshot holds", () => {
    const withUnbacked = (...extra: string[]) =>
      healthyHost((s) => (s.includes("| tee /var/lib/aiws/migration-manifest.sha256z") ? { stdout: zsum([["a", "/data/a.bin"], ...extra.map((f) => ["c", f] as const)]) } : undefined));

    it("stops, changing nothing, naming the exclude entry that left them out and the flag that gives them up", async () => {
      const host = withUnbacked("/data/models/w.gguf", "/data/models/x.gguf");
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("2 file(s) under /data/models, which backup.exclude leaves out on purpose, e.g. /data/models/w.gguf, /data/models/x.gguf: the rebuild destroys them; accept that with --discard /data/models");
      expect(r.error).toContain("the old layout is mounted and writable again");
      expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
    });

    it("goes on when the owner gave up exactly those entries", async () => {
      const host = withUnbacked("/data/models/w.gguf");
      const r = await runMigration({ host, from, to, discard: ["/data/models"], converge: async () => undefined, now: () => NOW });
      expect(r.ok, r.error).toBe(true);
      expect(r.phases.find((p) => p.name === "verify")!.detail).toContain("1 left out of backups under /data/models, given up as agreed");
    });

    it("always stops for files in no snapshot that no exclude entry explains (a .nobackup marker), whatever was given up", async () => {
      const host = withUnbacked("/data/models/w.gguf", "/data/projects/scratch/run.log");
      const r = await runMigration({ host, from, to, discard: ["/data/models"], converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("1 file(s) are in no snapshot although no backup.exclude entry leaves them out (a .nobackup marker, a cache directory, or unreadable to the backup), e.g. /data/projects/scratch/run.log");
      expect(r.error).not.toContain("--discard /data/models");
    });

    it("refuses a --discard that is not one of the profile's backup.exclude entries", async () => {
      const host = healthyHost();
      const r = await runMigration({ host, from, to, discard: ["/data/projects"], converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("--discard /data/projects: not a backup.exclude entry of the current profile (/data/models, /data/datasets/raw)");
      expect(host.scripts).toEqual([]);
    });
  });

  it("stops when the snapshot holds none of the files, even when losing some was agreed", async () => {
    const host = healthyHost((s) => (s.includes("ls --json --recursive") ? { stdout: '{"struct_type":"snapshot"}\n' } : undefined));
    const r = await runMigration({ host, from, to, discard: ["/data/models"], converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.error).toContain("the latest snapshot holds none of the 4 file(s) on the old layout");
    expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
  });

  it("stops when the backup is not verified by a check after it", async () => {
    const host = healthyHost((s) => (s.includes("aiws-backup-status") ? { stdout: status({ lastCheck: { time: "2026-11-26T01:00:00Z", subset: "5%" } }) } : undefined));
    const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
    expect(r.error).toContain("the backup is not verified");
  });

  it("reports every restored file that differs or is missing, names sha256sum would escape included", async () => {
    const host = healthyHost((s) =>
      s.includes("cut -z -c67-") ? { code: 123, stdout: zsum([["a", ODD[0]!], ["x", ODD[1]!], ["c", ODD[2]!]]), stderr: `sha256sum: '${ODD[3]}': No such file or directory` } : undefined,
    );
    const r = await runMigration({ host, from, to, converge: async () => undefined, now: () => NOW });
    expect(r.ok).toBe(false);
    expect(r.mismatches).toEqual([ODD[1], ODD[3]]);
    expect(r.error).toContain("2 of 4 restored file(s) differ from the hash recorded before, or are missing");
    expect(r.error).toContain("the host was changed");
    expect(r.error).toContain("backups stay paused (/var/lib/aiws/migration-in-progress)");
    expect(host.scripts.some((s) => s.includes("rm -f /var/lib/aiws/migration-in-progress"))).toBe(false);
  });

  it("a final comparison that never ran (ssh's exit 255, no output) is a failure, never 'byte-identical'", async () => {
    for (const answer of [{ code: 255, stdout: "", stderr: "" }, { code: 1, stdout: "", stderr: "cut: /var/lib/aiws/migration-manifest.sha256z: No such file or directory" }]) {
      const host = healthyHost((s) => (s.includes("cut -z -c67-") ? answer : undefined));
      const r = await runMigration({ host, from, to, converge: async () => undefined, now: () => NOW });
      expect(r.ok).toBe(false);
      expect(r.error).toContain(answer.code === 255 ? "the final comparison did not start on the host (exit 255)" : `the final comparison did not run (exit ${answer.code})`);
    }
  });

  it("restores the snapshot it made and verified, by id, never 'latest'", async () => {
    const host = healthyHost();
    await runMigration({ host, from, to, converge: async () => undefined, now: () => NOW });
    expect(host.scripts.filter((s) => s.includes("restore ")).join("\n")).not.toContain("latest");
  });

  it("a failed rebuild stops with the reason, the data safe in the verified snapshot", async () => {
    const notMounted = healthyHost((s) => (s.includes("the new layout is not in place") ? { code: 1, stderr: "/data is not mounted: the new layout is not in place" } : undefined));
    const r = await runMigration({ host: notMounted, from, to, converge: async () => { throw new Error("pulumi up failed (exit 255)"); }, now: () => NOW });
    expect(r.error).toContain("converging the new layout failed: pulumi up failed (exit 255)");
    expect(r.error).toContain("the data is in the verified snapshot");
  });

  describe("a new layout that drops old mountpoints (independent drives to one RAID 0 at /data)", () => {
    const LAB = join(import.meta.dirname, "../../../lab/profiles");
    const independent = loadProfile(join(LAB, "lab-independent.yaml")).profile;
    const raid0 = loadProfile(join(LAB, "lab-raid0.yaml")).profile;

    it("is refused, changing nothing, when a dropped mountpoint holds data, naming it and the fix", async () => {
      const host = healthyHost((s) => (s.includes("looking") || s.includes("find \"$m\" -xdev -mindepth 1") ? { stdout: "/projects\t/projects/e2e\n" } : undefined));
      const r = await runMigration({ host, from: independent, to: raid0, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.ok).toBe(false);
      expect(r.error).toContain("the new layout drops /projects (holds /projects/e2e) and mounts only /data: a restore would put that data on the OS drive. Move it under /data");
      expect(r.error).toContain("nothing on the host was changed");
      expect(host.scripts).toHaveLength(2);
      expect(host.scripts[1]).toContain("for m in '/scratch' '/projects' '/archive'; do");
    });

    it("goes on when the dropped mountpoints are empty, and restores only the mountpoints the new layout keeps", async () => {
      const host = healthyHost();
      const r = await runMigration({ host, from: independent, to: raid0, converge: async () => undefined, now: () => NOW });
      expect(r.phases[0]).toMatchObject({ name: "preflight", detail: "dropped, and empty: /scratch, /projects, /archive" });
      const restore = host.scripts.find((s) => s.includes(" restore "))!;
      expect(restore).toContain("--include '/data'");
      expect(restore).not.toContain("/scratch");
    });
  });

  describe("storage.moves: a dropped mountpoint restored into a folder of the new layout", () => {
    const LAB = join(import.meta.dirname, "../../../lab/profiles");
    const independent = loadProfile(join(LAB, "lab-independent.yaml")).profile;
    const raid0 = loadProfile(join(LAB, "lab-raid0.yaml")).profile;
    const moving = { ...raid0, storage: { ...raid0.storage!, moves: [{ from: "/projects", to: "/data/from-projects" }] } };
    const OLD = [["a", "/data/a.bin"], ["e", "/projects/e2e/notes.bin"]] as const;
    /** A host whose old layout holds /data/a.bin and /projects/e2e/notes.bin; `compared` is what the comparison reads back. */
    const movingHost = (compared: readonly (readonly [string, string])[], extra: (s: string) => Partial<RunResult> | undefined = () => undefined) =>
      healthyHost((s) => {
        const e = extra(s);
        if (e) return e;
        if (s.includes(`ls --json --recursive '${SNAP}'`)) return { stdout: ['{"struct_type":"snapshot"}', ...OLD.map(([, p]) => JSON.stringify({ type: "file", path: p, size: 1e6 }))].join("\n") };
        if (s.includes("| tee /var/lib/aiws/migration-manifest.sha256z")) return { stdout: zsum(OLD) };
        if (s.includes("cut -z -c67-")) return { stdout: zsum(compared) };
        return undefined;
      });

    it("restores the moved mountpoint beside its folder and renames it in, the others in place, and compares each file where it landed", async () => {
      const host = movingHost([["a", "/data/a.bin"], ["e", "/data/from-projects/e2e/notes.bin"]]);
      const r = await runMigration({ host, from: independent, to: moving, converge: async () => undefined, now: () => NOW });
      expect(r, r.error).toMatchObject({ ok: true, files: 2, mismatches: [] });
      expect(r.phases[0]!.detail).toBe("dropped, and empty: /scratch, /archive; moves /projects into /data/from-projects");
      const restore = host.scripts.find((s) => s.includes(" restore "))!;
      expect(restore).toContain(`restore '${SNAP}' --target / --include '/data' --verify`);
      expect(restore).toContain(`restore '${SNAP}' --target '/data/from-projects.aiws-restore' --include '/projects' --verify`);
      expect(restore).toContain("mv -T -- '/data/from-projects.aiws-restore/projects' '/data/from-projects'");
      expect(restore).not.toContain("--target / --include '/data' --include '/projects'");
      expect(host.scripts.find((s) => s.includes("cut -z -c67-"))).toContain("| sed -z 's#^/projects/#/data/from-projects/#;t'");
      expect(r.phases.find((p) => p.name === "restore")!.detail).toBe(`restored /data, /projects into /data/from-projects from the verified snapshot ${SNAP.slice(0, 8)}`);
    });

    it("a moved file that differs is named where it was restored", async () => {
      const host = movingHost([["a", "/data/a.bin"], ["f", "/data/from-projects/e2e/notes.bin"]]);
      const r = await runMigration({ host, from: independent, to: moving, converge: async () => undefined, now: () => NOW });
      expect(r.ok).toBe(false);
      expect(r.mismatches).toEqual(["/data/from-projects/e2e/notes.bin"]);
    });

    it("a destination the old layout already has is refused before anything changes: the two trees would mix", async () => {
      const host = movingHost([], (s) => (s.includes("for t in '/data/from-projects' '/data/from-projects.aiws-restore'; do if [[ -e $t || -L $t ]]") ? { stdout: "/data/from-projects\n" } : undefined));
      const r = await runMigration({ host, from: independent, to: moving, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toBe("storage.moves restores into /data/from-projects, which the old layout already has: pick a folder that does not exist yet (nothing on the host was changed)");
      expect(host.scripts.some((s) => s.includes("remount,ro"))).toBe(false);
    });

    it("a moved mountpoint with another old one below it is refused before anything changes: the inner one would be restored twice", async () => {
      const nested = { ...independent, storage: { ...independent.storage!, mounts: independent.storage!.mounts.map((m) => (m.mountpoint === "/archive" ? { ...m, mountpoint: "/projects/inner" } : m)) } };
      const host = movingHost([]);
      const r = await runMigration({ host, from: nested, to: moving, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toBe("storage.moves cannot move a mountpoint another one is mounted below (/projects/inner lies under /projects): move the inner one's data elsewhere first (nothing on the host was changed)");
      expect(host.scripts.some((s) => s.includes("remount,ro"))).toBe(false);
    });

    it("--resume before the rebuild keeps its hands off a migration still at work on the host (a second switch was told to resume)", async () => {
      const h = journaledHost(undefined, (s) => (s.includes("systemctl is-active --quiet \"$u\"") ? { stdout: "aiws-backup.service\n" } : undefined));
      h.setJournal({ version: 1, id: "20261127T090000Z", from: "independent /data", to: "raid0 /data", snapshot: "", stage: "started" });
      const r = await runMigration({ host: h.host, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toBe(
        "the migration 20261127T090000Z is still at work on the host (aiws-backup.service): if its switch still runs, let it finish; if not, wait until that has ended, then --resume (nothing on the host was changed)",
      );
      expect(h.journal()).not.toBe("");
      expect(h.host.scripts.some((s) => s.includes("remount,rw") || s.includes("mount -o remount"))).toBe(false);
    });

    it("a destination that holds files on the new layout stops the first restore before it writes anything", async () => {
      const host = movingHost([], (s) => (s.includes('find "$t" -maxdepth 0 -empty') ? { stdout: "/data/from-projects\n" } : undefined));
      const r = await runMigration({ host, from: independent, to: moving, converge: async () => undefined, now: () => NOW });
      expect(r.error).toContain("storage.moves restores into /data/from-projects, which already holds files on the new layout");
      expect(r.error).toContain("go on where it stopped with --resume");
      expect(host.scripts.some((s) => s.includes(" restore "))).toBe(false);
    });
  });

  describe("a restore that ended while the connection was cut", () => {
    it("is taken as it is on --resume, not run again; a first restore, or one after differences, always runs", async () => {
      const h = journaledHost();
      // The connection drops at the restore's first poll: it has started on the host.
      const cutting = failOnce(h.host, (sc) => sc.includes('if [[ -e "$d/restore.rc" ]]; then echo "done"'), async () => ({ code: 255, stdout: "", stderr: "" }));
      const first = await runMigration({ host: cutting, from, to, converge: async () => undefined, now: () => NOW });
      expect(first.error).toContain("lost the host while restic restore runs there");
      expect(JSON.parse(h.journal())).toMatchObject({ stage: "restoring" });
      const starts = () => h.host.scripts.filter((s) => s.includes("cat >\"$d/restore.sh\""));
      expect(starts()[0]).not.toContain("its result is taken, not run again");
      expect(h.host.scripts.some((s) => s.includes("rm -f '/var/lib/aiws/migration-run/20261127T100000Z'/restore.rc"))).toBe(true);
      const clears = h.host.scripts.filter((s) => s.includes("/restore.rc\n") || s.endsWith("/restore.rc")).length;
      const r = await runMigration({ host: h.host, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.ok, r.error).toBe(true);
      expect(starts()[1]).toContain(`if [[ $(cat "$d/restore.rc" 2>/dev/null) == 0 ]]; then echo "restic restore ended on the host while the connection was cut: its result is taken, not run again"; exit 0; fi`);
      // The resume keeps the status of the restore it follows.
      expect(h.host.scripts.filter((s) => s.includes("/restore.rc\n") || s.endsWith("/restore.rc")).length).toBe(clears);
    });
  });

  describe("the new layout's size", () => {
    it("stops before the wipe, changing nothing, when the new layout cannot hold what is to be restored", async () => {
      // Four files of 300 GB onto four drives of 250 GB: 1.2 TB into about 0.95 TB.
      const host = healthyHost((s) => (s.includes("lsblk -b -dn -o SIZE") ? { stdout: driveSizes(s, 2.5e11) } : undefined));
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("the new layout is too small: /data would hold about 950.00 GB (4 drive(s), 1.00 TB raw) but 1.20 TB is to be restored onto it");
      expect(r.error).toContain("the old layout is mounted and writable again");
      expect(host.scripts.some((s) => s.includes("umount"))).toBe(false);
    });

    it("stops when a drive of the new layout cannot be read", async () => {
      const host = healthyHost((s) => (s.includes("lsblk -b -dn -o SIZE") ? { stdout: "" } : undefined));
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toMatch(/cannot read the size of \/dev\/disk\/by-id\/\S+.*\(lsblk\): is every drive of the new layout present\?/);
    });
  });

  describe("the journal, and --resume after a stop", () => {

    it("a cut right after the rebuild: the journal says so, and --resume restores the same snapshot and verifies, without rebuilding again", async () => {
      const h = journaledHost((s) => s.includes(" restore "));
      let converged = 0;
      const first = await runMigration({ host: h.host, from, to, converge: async () => void converged++, now: () => NOW });
      expect(first.ok).toBe(false);
      expect(first.error).toContain("restic restore did not start on the host (exit 255)");
      expect(first.error).toContain("go on where it stopped with --resume");
      expect(JSON.parse(h.journal())).toEqual({ version: 1, id: "20261127T100000Z", from: "independent /data", to: "raid0 /data", snapshot: SNAP, stage: "restoring", manifestFiles: 4 });

      const lines: string[] = [];
      const later = new Date(NOW.getTime() + 3_600_000);
      const r = await runMigration({ host: h.host, from, to, resume: true, converge: async () => void converged++, now: () => later, log: (l) => lines.push(l) });
      expect(r).toMatchObject({ ok: true, files: 4, mismatches: [] });
      expect(r.phases.map((p) => p.name)).toEqual(["restore", "verify-again", "resume"]);
      expect(converged).toBe(1);
      expect(lines[0]).toBe(`migration: resuming 20261127T100000Z after "restoring", from the verified snapshot ${SNAP.slice(0, 8)}`);
      expect(h.host.scripts.filter((s) => s.includes(" restore ")).every((s) => s.includes(`restore '${SNAP}'`))).toBe(true);
      expect(h.journal()).toBe("");
    });

    const CUTS: [string, (s: string) => boolean][] = [
      ["the quiesce", (s) => s.includes("remount,ro") && !s.includes("remount,rw")],
      ["the backup", (s) => s.includes("systemctl start aiws-backup.service")],
      ["the check", (s) => s.includes("aiws-backup-check.service")],
      ["the hashing", (s) => s.includes("| tee /var/lib/aiws/migration-manifest.sha256z")],
      ["the unmount", (s) => s.includes('umount "$m"')],
      ["the new layout's check", (s) => s === `set -euo pipefail\n${"mountpoint -q '/data' || { echo \"/data is not mounted: the new layout is not in place\" >&2; exit 1; }"}\n`],
      ["the restore", (s) => s.includes(" restore ")],
      ["the final comparison", (s) => s.includes("cut -z -c67-")],
      ["the resume of the units", (s) => s.includes("started again")],
    ];
    for (const [where, cut] of CUTS) {
      it(`a cut during ${where}: --resume (or, with no journal, a new run) ends byte-identical, from the one snapshot`, async () => {
        const h = journaledHost(cut);
        const first = await runMigration({ host: h.host, from, to, converge: async () => undefined, now: () => NOW });
        expect(first.ok).toBe(false);
        const again = await runMigration({ host: h.host, from, to, resume: h.journal() !== "", converge: async () => undefined, now: () => NOW });
        expect(again).toMatchObject({ ok: true, files: 4, mismatches: [] });
        expect(h.journal()).toBe("");
      });
    }

    it("of two migrations started at once, the second stops before changing anything: the first journal is made only where there is none", async () => {
      const host = healthyHost((s) => (s.includes('ln "$tmp" /var/lib/aiws/migration-journal.json') ? { code: 3 } : undefined));
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toBe(
        "a migration is already in progress on this host (/var/lib/aiws/migration-journal.json appeared as this one started): go on with it (npm run switch -- --stack NAME --migrate --resume) before starting another (nothing on the host was changed)",
      );
      expect(host.scripts.some((s) => s.includes("remount,ro") || s.includes("rm -f /var/lib/aiws/migration-in-progress /var/lib/aiws/migration-journal.json"))).toBe(false);
    });

    it("a client killed after the quiesce leaves the journal at 'started': --resume puts the old layout back and starts over", async () => {
      const h = journaledHost();
      const dying = failOnce(h.host, (sc) => sc.includes("systemctl start aiws-backup.service"), async () => {
        throw new Error("the laptop went to sleep");
      });
      await expect(runMigration({ host: dying, from, to, converge: async () => undefined, now: () => NOW })).rejects.toThrow("the laptop went to sleep");
      expect(JSON.parse(h.journal())).toMatchObject({ stage: "started", snapshot: "" });
      const lines: string[] = [];
      const r = await runMigration({ host: dying, from, to, resume: true, converge: async () => undefined, now: () => NOW, log: (l) => lines.push(l) });
      expect(r, r.error).toMatchObject({ ok: true, files: 4, mismatches: [] });
      expect(lines[0]).toBe("migration: 20261127T100000Z stopped before any drive was touched: starting over from a new backup");
      expect(h.journal()).toBe("");
    });

    it("a failed rebuild can be resumed: it converges again, then restores", async () => {
      const h = journaledHost();
      let tries = 0;
      // The array never came up: nothing is mounted at /data.
      let mounted = false;
      const host: RootShell = { runScript: async (sc, o) => (!mounted && sc.includes("the new layout is not in place") ? { code: 1, stdout: "", stderr: "/data is not mounted" } : h.host.runScript(sc, o)) };
      const first = await runMigration({ host, from, to, converge: async () => { tries++; throw new Error("pulumi up failed (exit 255)"); }, now: () => NOW });
      mounted = true;
      expect(first.ok).toBe(false);
      expect(JSON.parse(h.journal()).stage).toBe("rebuilding");
      const r = await runMigration({ host, from, to, resume: true, converge: async () => void tries++, now: () => NOW });
      expect(r.ok, r.error).toBe(true);
      expect(r.phases.map((p) => p.name)).toEqual(["rebuild", "restore", "verify-again", "resume"]);
      expect(tries).toBe(2);
    });

    it("--resume with no journal, or with another migration's, stops and says why", async () => {
      const none = await runMigration({ host: healthyHost(), from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(none.error).toContain("there is no migration to resume on this host (/var/lib/aiws/migration-journal.json is absent)");
      const other = healthyHost((s) => (s.includes("cat /var/lib/aiws/migration-journal.json") ? { stdout: JSON.stringify({ version: 1, id: "20261101T000000Z", from: "raid0 /data", to: "independent /a,/b", snapshot: SNAP, stage: "rebuilt" }) } : undefined));
      const r = await runMigration({ host: other, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("the journal on the host is of another migration (raid0 /data -> independent /a,/b, id 20261101T000000Z), not of independent /data -> raid0 /data");
    });

    it("a journal whose id is not one the migration makes is refused: it names folders that are removed", async () => {
      for (const id of ["../..", "", "x"]) {
        const odd = healthyHost((s) => (s.includes("cat /var/lib/aiws/migration-journal.json") ? { stdout: JSON.stringify({ version: 1, id, from: "independent /data", to: "raid0 /data", snapshot: SNAP, stage: "rebuilt" }) } : undefined));
        const r = await runMigration({ host: odd, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
        expect(r.error).toContain("/var/lib/aiws/migration-journal.json is not a migration journal");
        expect(odd.scripts.some((x) => x.includes("rm -rf"))).toBe(false);
      }
    });

    it("a manifest emptied or cut short since the rebuild stops the resume: it would compare nothing and pass", async () => {
      const h = journaledHost((s) => s.includes(" restore "));
      await runMigration({ host: h.host, from, to, converge: async () => undefined, now: () => NOW });
      expect(JSON.parse(h.journal())).toMatchObject({ stage: "restoring", manifestFiles: 4 });
      const emptied = healthyHost((s) => {
        if (s.includes("cat /var/lib/aiws/migration-journal.json")) return { stdout: h.journal() };
        if (s.includes("cat /var/lib/aiws/migration-manifest.sha256z")) return { stdout: "" };
        return undefined;
      });
      const r = await runMigration({ host: emptied, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.ok).toBe(false);
      expect(r.error).toContain("/var/lib/aiws/migration-manifest.sha256z names 0 file(s) of the snapshot, but 4 were hashed before the rebuild");
    });

    it("after a comparison that found differences a resume restores again; after a restore that ended it only compares", async () => {
      let differ = true;
      const h = journaledHost(undefined, (s) => (differ && s.includes("cut -z -c67-") ? { stdout: zsum([["a", ODD[0]!], ["x", ODD[1]!], ["c", ODD[2]!], ["d", ODD[3]!]]) } : undefined));
      const both = h.host;
      const first = await runMigration({ host: both, from, to, converge: async () => undefined, now: () => NOW });
      expect(first.mismatches).toEqual([ODD[1]]);
      expect(JSON.parse(h.journal())).toMatchObject({ stage: "mismatched" });
      differ = false;
      const again = await runMigration({ host: both, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(again.phases.map((p) => p.name)).toEqual(["restore", "verify-again", "resume"]);
      expect(again.ok, again.error).toBe(true);

      const j = journaledHost();
      j.setJournal({ version: 1, id: "20261127T100000Z", from: "independent /data", to: "raid0 /data", snapshot: SNAP, stage: "restored", manifestFiles: 4 });
      const compared = await runMigration({ host: j.host, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(compared.phases.map((p) => p.name)).toEqual(["verify-again", "resume"]);
      expect(j.host.scripts.some((x) => x.includes(" restore "))).toBe(false);
    });

    it("a stop before anything was destroyed stops the migration's detached runs on its way back", async () => {
      const host = healthyHost((s) => (s.includes("| tee /var/lib/aiws/migration-manifest.sha256z") ? { code: 1, stderr: "sha256sum: /data/a.bin: Input/output error" } : undefined));
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("hashing the data failed (exit 1)");
      expect(host.scripts.at(-1)).toContain("systemctl stop 'aiws-migration-20261127T100000Z-*'");
      expect(host.scripts.at(-1)).toContain("mount -o remount,rw");
    });
  });

  describe("what the review of the first version found", () => {
    it("a backup that started before the freeze (a nightly run the migration joined) is not the migration's snapshot", async () => {
      const host = healthyHost((s) => (s.includes("snapshots --json --tag aiws-migration-") ? { stdout: JSON.stringify([{ id: SNAP, time: "2026-11-27T09:58:00Z" }]) } : undefined));
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain(`the snapshot ${SNAP.slice(0, 8)} started at 2026-11-27T09:58:00Z, before the old layout was made read-only`);
      expect(r.error).toContain("no drive was touched");
    });

    it("judges the new backup by the host's clock, not by the clock of the machine running the switch", async () => {
      // This laptop's clock runs 10 minutes ahead of the workstation's.
      const ahead = new Date(NOW.getTime() + 10 * 60_000);
      const r = await runMigration({ host: healthyHost(), from, to, converge: async () => undefined, now: () => ahead });
      expect(r.ok, r.error).toBe(true);
    });

    it("waits for a backup already running before it makes the data read-only", async () => {
      const host = healthyHost();
      await runMigration({ host, from, to, converge: async () => undefined, now: () => NOW });
      const quiesce = host.scripts.find((s) => s.includes("frozen-at"))!;
      expect(quiesce.indexOf("== activating ]]; do sleep 2; done")).toBeLessThan(quiesce.indexOf("mount -o remount,ro"));
    });

    it("does not start a second migration over one in progress, and leaves that one's pause and journal alone", async () => {
      const host = healthyHost((s) => (s.includes("looking") || s.includes("for f in /var/lib/aiws/migration-journal.json") ? { stdout: "/var/lib/aiws/migration-journal.json\n/var/lib/aiws/migration-in-progress\n" } : undefined));
      const r = await runMigration({ host, from, to, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("a migration is already in progress on this host (/var/lib/aiws/migration-journal.json, /var/lib/aiws/migration-in-progress): go on with it");
      expect(r.error).toContain("nothing on the host was changed");
      expect(host.scripts.some((s) => s.includes("rm -f"))).toBe(false);
    });

    it("a resume of a migration that stopped before any drive was touched starts over from a new backup", async () => {
      const h = journaledHost();
      h.setJournal({ version: 1, id: "20261120T000000Z", from: "independent /data", to: "raid0 /data", snapshot: "0".repeat(64), stage: "verified" });
      const r = await runMigration({ host: h.host, from, to, resume: true, converge: async () => undefined, now: () => NOW });
      expect(r.ok, r.error).toBe(true);
      expect(r.phases.map((p) => p.name)).toEqual(["preflight", "quiesce", "backup", "verify", "rebuild", "restore", "verify-again", "resume"]);
      expect(h.host.scripts.some((s) => s.includes("restore '" + "0".repeat(64)))).toBe(false);
    });

    it("a rebuild that fails after the new layout is mounted restores the data first, and says what is left to do", async () => {
      const host = healthyHost();
      const r = await runMigration({ host, from, to, converge: async () => { throw new Error("pulumi up failed (exit 255)"); }, now: () => NOW });
      expect(r.ok, r.error).toBe(true);
      expect(r.warnings).toEqual(["the rebuild failed after the new layout was mounted (pulumi up failed (exit 255)); the data was restored first: run pulumi up again to finish the other steps"]);
    });

    it("never runs restic restore without an --include (it would restore the whole snapshot over /)", async () => {
      const host = healthyHost();
      const noData = loadProfile(join(PROFILES, "quad-gpu.yaml")).profile;
      const moved = { ...noData, storage: { ...noData.storage!, raid: { ...noData.storage!.raid!, mountpoint: "/srv/data" } } };
      const r = await runMigration({ host, from, to: moved, converge: async () => undefined, now: () => NOW });
      expect(r.phases.find((p) => p.name === "restore")?.detail).toBe("nothing to restore: every old mountpoint was dropped, empty");
      expect(host.scripts.some((s) => s.includes(" restore "))).toBe(false);
    });

    it("checks the new layout is mounted before it restores and before it compares", async () => {
      const h = journaledHost();
      h.setJournal({ version: 1, id: "20261127T100000Z", from: "independent /data", to: "raid0 /data", snapshot: SNAP, stage: "rebuilt" });
      const host: RootShell = { runScript: async (sc, o) => (sc.includes("the new layout is not in place") ? { code: 1, stdout: "", stderr: "/data is not mounted: the new layout is not in place" } : h.host.runScript(sc, o)) };
      const r = await runMigration({ host, from, to, resume: true, converge: async () => expect.unreachable(), now: () => NOW });
      expect(r.error).toContain("checking the new layout before the restore failed (exit 1): /data is not mounted");
      expect(h.host.scripts.some((s) => s.includes(" restore "))).toBe(false);
    });
  });
});
