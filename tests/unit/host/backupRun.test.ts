import { lacks } from "../../helpers/systemTools.js";
import { describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { backupSteps } from "../../../src/host/backup/steps.js";
import { isBackupFresh, parseBackupStatus, type BackupStatus } from "../../../src/host/backup/status.js";
import { phaseFile } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";
import { runBash } from "./storageBash.js";

/**
 * The backup as it runs on a host, with the real restic (Debian's package) against a local
 * repository: the scripts the units run, the status they keep, the restore drill, an
 * unreachable NAS; then the steps that install all that, into a scratch root.
 */

const HOST = join(import.meta.dirname, "../../../src/host/backup/host");
const hasRestic = !lacks("restic");
const isRoot = process.getuid?.() === 0;
const PASSWORD = "correct horse battery staple";
/** How restic says the NAS cannot be reached: ssh's words, or its own when they come too late. */
const UNREACHABLE = /Connection refused|unable to start the sftp session/;

/** Root that may mount a tmpfs (a small, full volume for the NAS). */
function canMountTmpfs(): boolean {
  if (!isRoot) return false;
  const d = mkdtempSync(join(tmpdir(), "aiws-tmpfs-probe-"));
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", d]).status === 0;
  if (ok) spawnSync("umount", [d]);
  return ok;
}

type SandboxEnv = {
  AIWS_ETC: string;
  AIWS_STATE: string;
  AIWS_LIB: string;
  AIWS_RESTIC: string;
  AIWS_RUN_LOCK: string;
  RESTIC_CACHE_DIR: string;
  TMPDIR: string;
  INVOCATION_ID: string;
};

interface Sandbox {
  root: string;
  env: SandboxEnv;
  status: () => BackupStatus;
  run: (script: string, args?: string[], env?: Record<string, string>) => { code: number; out: string };
}

function sandbox(opts: { repository?: string; requiredMounts?: string } = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "aiws-backup-"));
  const etc = join(root, "etc/aiws/restic");
  const state = join(root, "var/lib/aiws");
  mkdirSync(etc, { recursive: true });
  mkdirSync(state, { recursive: true });
  for (const d of ["home/ana", "data/models", "data/projects/scratch", "data/projects/paper"]) mkdirSync(join(root, d), { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(root, "home/ana", `note-${i}.txt`), `note ${i}\n`.repeat(i + 1));
  writeFileSync(join(root, "home/ana/with space.txt"), "spaces are fine\n");
  writeFileSync(join(root, "data/models/llama.gguf"), "weights, re-downloadable\n");
  writeFileSync(join(root, "data/projects/scratch/.nobackup"), "");
  writeFileSync(join(root, "data/projects/scratch/big.tmp"), "scratch\n");
  writeFileSync(join(root, "data/projects/paper/draft.tex"), "\\section{Results}\n");
  const repo = join(root, "repo");
  writeFileSync(join(etc, "password"), PASSWORD);
  chmodSync(join(etc, "password"), 0o600);
  writeFileSync(
    join(etc, "backup.conf"),
    [`REPOSITORY='${opts.repository ?? repo}'`, "KEEP_DAILY=7", "KEEP_WEEKLY=4", "KEEP_MONTHLY=6", "CHECK_SUBSET='10%'", `REQUIRED_MOUNTS='${opts.requiredMounts ?? ""}'`, "RESTORE_SAMPLE=5", ""].join("\n"),
  );
  writeFileSync(join(etc, "paths"), [join(root, "home"), join(root, "data"), join(state, "backup-canary"), join(state, "backup-canary.sha256")].map((p) => `${p}\n`).join(""));
  writeFileSync(join(etc, "excludes"), `${join(root, "data/models")}\n`);
  // What ssh would meet if the NAS were down: nothing listening.
  writeFileSync(join(etc, "ssh_config"), "Host aiws-nas\n  HostName 127.0.0.1\n  Port 1\n  BatchMode yes\n  ConnectTimeout 5\n");
  const env: SandboxEnv = {
    AIWS_ETC: join(root, "etc/aiws"),
    AIWS_STATE: state,
    AIWS_LIB: HOST,
    AIWS_RESTIC: join(HOST, "aiws-restic"),
    AIWS_RUN_LOCK: join(root, "lock"),
    RESTIC_CACHE_DIR: join(root, "cache"),
    TMPDIR: join(root, "tmp"),
    INVOCATION_ID: "",
  };
  mkdirSync(env.TMPDIR);
  if (!opts.repository) execFileSync("restic", ["init", "-q", "-r", repo], { env: { ...process.env, RESTIC_PASSWORD_FILE: join(etc, "password") } });
  return {
    root,
    env,
    status: () => {
      const text = execFileSync(join(HOST, "aiws-backup-status"), { encoding: "utf8", env: { ...process.env, ...env } });
      const r = parseBackupStatus(text);
      if (!r.status) throw new Error(r.error);
      return r.status;
    },
    run: (script, args = [], extra = {}) => {
      const r = spawnSync(join(HOST, script), args, { encoding: "utf8", env: { ...process.env, ...env, ...extra }, input: "" });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    },
  };
}

describe.skipIf(!hasRestic)("the backup on a host, with restic", () => {
  it("backs up with the excludes, checks, restores a sample and the canary, and keeps the status", () => {
    const s = sandbox();
    expect(s.status()).toMatchObject({ lastBackup: null, lastCheck: null, lastFailure: null });

    const backup = s.run("backup-run");
    expect(backup.code).toBe(0);
    expect(backup.out).toMatch(/backup done: snapshot [0-9a-f]{8}/);
    const canary = join(s.env.AIWS_STATE, "backup-canary");
    expect(readFileSync(`${canary}.sha256`, "utf8")).toMatch(/^[0-9a-f]{64} {2}backup-canary\n$/);

    const listing = execFileSync("restic", ["ls", "latest", "-r", join(s.root, "repo")], { encoding: "utf8", env: { ...process.env, RESTIC_PASSWORD_FILE: join(s.root, "etc/aiws/restic/password") } });
    expect(listing).toContain(join(s.root, "data/projects/paper/draft.tex"));
    expect(listing).toContain(canary);
    expect(listing).not.toContain("llama.gguf");
    expect(listing).not.toContain("big.tmp");

    let st = s.status();
    expect(st.lastBackup).toMatchObject({ warnings: false });
    expect(st.snapshotCount).toBe(1);
    expect(isBackupFresh(st, 26, new Date()).fresh).toBe(false); // not verified yet

    expect(s.run("backup-check").code).toBe(0);
    st = s.status();
    expect(st.lastCheck).toMatchObject({ subset: "10%" });
    expect(isBackupFresh(st, 26, new Date())).toEqual({ fresh: true, reasons: [] });

    const drill = s.run("aiws-restore-drill");
    expect(drill.out).toContain(`ok        ${canary} (canary: sha256 matches)`);
    expect(drill.out).toMatch(/restore drill passed: snapshot [0-9a-f]{8}: canary and 5 files restored with --verify, 5 compared with the live files, 0 changed since, 0 mismatches/);
    expect(drill.code).toBe(0);
    expect(s.status().lastRestoreDrill).toMatchObject({ ok: true, files: 5 });
    for (const r of [backup, drill]) expect(r.out).not.toContain(PASSWORD);
  });

  it("fails the drill on a file whose content changed behind an unchanged size and mtime", () => {
    const s = sandbox();
    expect(s.run("backup-run").code).toBe(0);
    const home = join(s.root, "home/ana");
    // Every candidate file corrupted in place, size and mtime kept: bit rot on the live side or in the backup.
    for (let i = 0; i < 12; i++) {
      const f = join(home, `note-${i}.txt`);
      const { mtime, size } = statSync(f);
      writeFileSync(f, "X".repeat(size));
      utimesSync(f, mtime, mtime);
    }
    const drill = s.run("aiws-restore-drill", ["20"]);
    expect(drill.code).toBe(1);
    expect(drill.out).toMatch(/MISMATCH {2}.*note-\d+\.txt \(same size and mtime as the live file, different content\)/);
    expect(drill.out).toMatch(/restore drill FAILED: snapshot [0-9a-f]{8}: canary and \d+ files restored with --verify, \d+ compared with the live files, 0 changed since, 12 mismatches/);
    const st = s.status();
    expect(st.lastRestoreDrill).toMatchObject({ ok: false });
    expect(isBackupFresh(st, 26, new Date()).reasons).toContain(`the last restore drill failed (${st.lastRestoreDrill!.time}): ${st.lastRestoreDrill!.message}`);
  });

  it("keeps the full snapshot when the data is emptied and backed up again the same day (issue 11: forget used to prune it)", () => {
    const s = sandbox();
    expect(s.run("backup-run").code).toBe(0);
    // The data volume comes back empty (a rebuilt layout, mounted before its restore).
    execFileSync("bash", ["-c", `rm -rf ${JSON.stringify(join(s.root, "home"))}/* ${JSON.stringify(join(s.root, "data/projects"))}`]);
    expect(s.run("backup-run").code).toBe(0);
    const restic = (args: string[]) =>
      execFileSync("restic", [...args, "-r", join(s.root, "repo")], { encoding: "utf8", env: { ...process.env, RESTIC_PASSWORD_FILE: join(s.root, "etc/aiws/restic/password") } });
    const snaps = JSON.parse(restic(["snapshots", "--json"])) as { short_id: string }[];
    expect(snaps).toHaveLength(2);
    expect(restic(["ls", snaps[0]!.short_id])).toContain(join(s.root, "data/projects/paper/draft.tex"));
  });

  it("clears the lock a killed backup left in the repository (restic 0.14 refuses forget and check until then)", async () => {
    const s = sandbox();
    const repo = join(s.root, "repo");
    const resticEnv = { ...process.env, RESTIC_PASSWORD_FILE: join(s.root, "etc/aiws/restic/password") };
    writeFileSync(join(s.root, "data/projects/big.bin"), Buffer.alloc(64 << 20, 7));
    // A backup killed mid-run: its lock stays in the repository, its process is gone.
    const killed = spawn("restic", ["backup", "-q", "-r", repo, join(s.root, "data")], { env: resticEnv, stdio: "ignore" });
    for (let i = 0; i < 100 && readdirSync(join(repo, "locks")).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    killed.kill("SIGKILL");
    await new Promise((r) => killed.once("exit", r));
    expect(readdirSync(join(repo, "locks"))).toHaveLength(1);
    const stuck = spawnSync("restic", ["check", "-r", repo], { env: resticEnv, encoding: "utf8" });
    expect(stuck.status).not.toBe(0);
    expect(stuck.stderr).toContain("repository is already locked");

    const r = s.run("backup-run");
    expect(r.code, r.out).toBe(0);
    expect(s.run("backup-check").code).toBe(0);
    expect(readdirSync(join(repo, "locks"))).toEqual([]);
    expect(s.status().lastFailure).toBeNull();
  });

  it("refuses, loudly and in the status, while a storage migration is in progress", () => {
    const s = sandbox();
    writeFileSync(join(s.env.AIWS_STATE, "migration-in-progress"), "id 20261202T070000Z independent -> raid0\n");
    const r = s.run("backup-run");
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("a storage migration is in progress (id 20261202T070000Z independent -> raid0 ): backups are paused until it has verified its restore");
    expect(s.status().lastFailure).toMatchObject({ message: expect.stringContaining("backups are paused") });
    expect(s.status().lastBackup).toBeNull();
  });

  it.skipIf(!canMountTmpfs())("a full NAS fails the backup loudly, with the reason in the status, and keeps the snapshots it had", () => {
    // The repository on a 12 MiB tmpfs: the NAS's volume, full after the first backup.
    const nas = mkdtempSync(join(tmpdir(), "aiws-nas-full-"));
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=12m", "tmpfs", nas]).status).toBe(0);
    try {
      const s = sandbox({ repository: join(nas, "repo") });
      const resticEnv = { ...process.env, RESTIC_PASSWORD_FILE: join(s.root, "etc/aiws/restic/password") };
      execFileSync("restic", ["init", "-q", "-r", join(nas, "repo")], { env: resticEnv });
      expect(s.run("backup-run").code).toBe(0);
      const before = s.status().snapshotCount;
      // 32 MiB that does not compress: more than the volume has left.
      writeFileSync(join(s.root, "data/projects/paper/dataset.bin"), randomBytes(32 << 20));
      const r = s.run("backup-run");
      expect(r.code).not.toBe(0);
      const failure = s.status().lastFailure!;
      expect(failure.message).toMatch(/^restic backup failed \(exit \d+\): .*no space left on device/i);
      // The last good backup is still the one the status names, and still in the repository.
      expect(s.status().snapshotCount).toBe(before);
      expect(s.status().lastBackup).not.toBeNull();
    } finally {
      spawnSync("umount", [nas]);
    }
  });

  it("the repository check waits, loudly, while a storage migration is in progress (its lock would fail the restore)", () => {
    const s = sandbox();
    writeFileSync(join(s.env.AIWS_STATE, "migration-in-progress"), "id 20261202T070000Z independent -> raid0\n");
    const r = s.run("backup-check");
    expect(r.code).toBe(1);
    expect(r.out).toContain("the repository check waits until it has verified its restore");
    expect(s.status().lastCheck).toBeNull();
  });

  it("fails loudly when the NAS is unreachable, and the status says so", () => {
    const s = sandbox({ repository: "sftp:aiws-backup@nas.lan:/volume1/backup/workstation" });
    const r = s.run("backup-run");
    expect(r.code).not.toBe(0);
    // restic relays ssh's own words ("Connection refused") from another goroutine, which may
    // lose the race with its exit: its "unable to start the sftp session" is always there.
    expect(r.out).toMatch(UNREACHABLE);
    const st = s.status();
    expect(st.lastBackup).toBeNull();
    expect(st.lastFailure).toMatchObject({ unit: "aiws-backup.service", result: "exit-code", exitStatus: "1" });
    expect(st.lastFailure!.message).toMatch(new RegExp(`^restic backup failed \\(exit 1\\): .*(?:${UNREACHABLE.source})`));
    expect(isBackupFresh(st, 26, new Date()).fresh).toBe(false);
  });

  it("under systemd, leaves the message for the OnFailure unit, which records it with the unit's result", () => {
    const s = sandbox({ repository: "sftp:aiws-backup@nas.lan:/volume1/backup/workstation" });
    expect(s.run("backup-run", [], { INVOCATION_ID: "0123abcd" }).code).not.toBe(0);
    expect(s.status().lastFailure).toBeNull();
    const failed = s.run("backup-failed", ["aiws-backup.service"], { MONITOR_SERVICE_RESULT: "exit-code", MONITOR_EXIT_STATUS: "1", MONITOR_INVOCATION_ID: "0123abcd" });
    expect(failed.code).toBe(0);
    const f = s.status().lastFailure!;
    expect(f).toMatchObject({ unit: "aiws-backup.service", result: "exit-code", exitStatus: "1" });
    expect(f.message).toMatch(new RegExp(`^restic backup failed \\(exit 1\\): .*(?:${UNREACHABLE.source})`));
    expect(existsSync(join(s.env.AIWS_STATE, "backup-status.d/error-0123abcd.txt"))).toBe(false);
  });

  describe("a data filesystem that changed since the last backup", () => {
    /** backup-run with "/" as its data mountpoint, whose UUID and file count the test decides. */
    function guarded() {
      const s = sandbox({ requiredMounts: "/" });
      const identity = join(s.root, "fs-identity");
      const probe = join(s.root, "fs-probe");
      writeFileSync(probe, `#!/bin/sh\ncat ${identity}\n`, { mode: 0o755 });
      const set = (uuid: string, files: number) => writeFileSync(identity, `${uuid} ${files}\n`);
      const run = () => s.run("backup-run", [], { AIWS_FS_IDENTITY: probe });
      const snapshots = () => s.status().snapshotCount;
      return { s, set, run, snapshots };
    }

    it("refuses, loudly and in the status, a data mountpoint that is another filesystem than at the last backup", () => {
      const g = guarded();
      g.set("9f1c-old", 52_000);
      expect(g.run().code).toBe(0);
      expect(readFileSync(join(g.s.env.AIWS_STATE, "backup-guard"), "utf8")).toBe("/ 9f1c-old 52000\n");
      const before = g.snapshots();
      g.set("77aa-new", 3);
      const r = g.run();
      expect(r.code).toBe(1);
      expect(r.out).toContain("refusing to back up: / is another filesystem than at the last backup (UUID 77aa-new, was 9f1c-old)");
      expect(g.s.status().lastFailure!.message).toContain(`acknowledge it once with: touch ${join(g.s.env.AIWS_STATE, "backup-guard-ack")}`);
      expect(g.snapshots()).toBe(before);
    });

    it("refuses a data filesystem whose files collapsed to under a tenth, and goes on once the owner acknowledges it", () => {
      const g = guarded();
      g.set("9f1c", 52_000);
      expect(g.run().code).toBe(0);
      g.set("9f1c", 40_000);
      expect(g.run().code).toBe(0);
      g.set("9f1c", 3_000);
      const r = g.run();
      expect(r.code).toBe(1);
      expect(r.out).toContain("/ holds 3000 files, 40000 at the last backup");
      writeFileSync(join(g.s.env.AIWS_STATE, "backup-guard-ack"), "");
      expect(g.run().code).toBe(0);
      // The acknowledgement is used up: the new count is the baseline from now on.
      expect(existsSync(join(g.s.env.AIWS_STATE, "backup-guard-ack"))).toBe(false);
      expect(readFileSync(join(g.s.env.AIWS_STATE, "backup-guard"), "utf8")).toBe("/ 9f1c 3000\n");
    });

    it("records the first backup's filesystems without judging them, and ignores small ones", () => {
      const g = guarded();
      g.set("aa", 900);
      expect(g.run().code).toBe(0);
      g.set("aa", 2);
      expect(g.run().code).toBe(0);
    });
  });

  it("refuses to back up a data mountpoint that is not mounted", () => {
    const s = sandbox({ requiredMounts: "/nonexistent-aiws-mount" });
    const r = s.run("backup-run");
    expect(r.code).toBe(1);
    expect(s.status().lastFailure!.message).toContain("/nonexistent-aiws-mount is not mounted; refusing to back up an empty mountpoint");
  });
});

describe.skipIf(!hasRestic)("npm run restore-drill", () => {
  const repoRoot = join(import.meta.dirname, "../../..");
  /** The CLI, with an ssh stand-in that runs the script here, the installed drill being the repository's. */
  function cli(args: string[], env: Record<string, string>) {
    const bin = mkdtempSync(join(tmpdir(), "aiws-ssh-"));
    writeFileSync(
      join(bin, "ssh"),
      `#!/usr/bin/env bash
for a; do last=$a; done
case " $* " in *" -O exit "*) exit 0 ;; esac
[ -z "\${AIWS_FORCE_SSH_FAIL:-}" ] || { echo "ssh: connect to host ws.lan port 22: Connection refused" >&2; exit 255; }
[ "$last" = "bash -s" ] || [ "$last" = "sudo -n bash -s" ] || { echo "ssh: connect to host: Connection refused" >&2; exit 255; }
sed "s#/usr/local/sbin/aiws-restore-drill#\${AIWS_LIB}/aiws-restore-drill#g" | bash -s
`,
      { mode: 0o755 },
    );
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/restore-drill.ts", ...args], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH ?? ""}` },
      timeout: 120_000,
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it("runs the drill on the host and passes its verdict on as the exit code", () => {
    const s = sandbox();
    expect(s.run("backup-run").code).toBe(0);
    const ok = cli(["--host", "ws.lan", "--user", "root", "--sample", "3"], s.env);
    expect(ok.out).toContain("restore drill on root@ws.lan");
    expect(ok.out).toMatch(/restore drill passed: snapshot [0-9a-f]{8}: canary and 3 files restored/);
    expect(ok.code).toBe(0);
    writeFileSync(join(s.env.AIWS_STATE, "backup-canary.sha256"), "0".repeat(64) + "  backup-canary\n");
    expect(s.run("backup-run").code).toBe(0); // a fresh canary and hash: still consistent
    const canary = join(s.env.AIWS_STATE, "backup-canary");
    // A snapshot whose canary does not match its hash: the drill must fail.
    writeFileSync(`${canary}.sha256`, "0".repeat(64) + "  backup-canary\n");
    execFileSync("restic", ["backup", "-q", "--tag", "aiws", `${canary}`, `${canary}.sha256`, "-r", join(s.root, "repo")], {
      env: { ...process.env, RESTIC_PASSWORD_FILE: join(s.root, "etc/aiws/restic/password") },
    });
    const bad = cli(["--host", "ws.lan", "--sample", "0"], s.env);
    expect(bad.out).toContain(`MISMATCH  ${canary} (canary: sha256 differs from the one written with it)`);
    expect(bad.out).toContain("restore-drill: FAILED on root@ws.lan (exit 1)");
    expect(bad.code).toBe(1);
  });

  it("says why it could not run: bad arguments, an unreachable host", () => {
    const s = sandbox();
    const usage = cli(["--sample", "many"], s.env);
    expect(usage.code).toBe(2);
    expect(usage.out).toContain("restore-drill: --sample many: give a number of files from 0 to 10000");
    const none = cli([], s.env);
    expect(none.code).toBe(2);
    expect(none.out).toContain("usage: npm run restore-drill --");
    const unreachable = cli(["--host", "ws.lan", "--user", "aiws"], { ...s.env, AIWS_FORCE_SSH_FAIL: "1" });
    expect(unreachable.code).toBe(2);
    expect(unreachable.out).toContain("restore-drill: cannot reach aiws@ws.lan over SSH: ssh: connect to host ws.lan port 22: Connection refused");
    const empty = cli(["--host", "ws.lan", "--user", "aiws"], s.env);
    expect(empty.code).toBe(1);
    expect(empty.out).toContain("restore drill FAILED: the repository");
    expect(empty.out).toContain("holds no aiws snapshot yet");
  });
});

/** A step's phase run with its /etc, /usr and /var paths moved under ROOT. */
function moved(step: Step, root: string): Step {
  const move = (v: string) => v.replace(/(^|[\s'])\/(etc|usr|var)\//g, `$1${root}/$2/`);
  return { ...step, vars: Object.fromEntries(Object.entries(step.vars).map(([k, v]) => [k, move(v)])) };
}

describe.skipIf(!hasRestic || !isRoot)("the backup steps, converged into a scratch root", () => {
  const profile = loadProfile("profiles/quad-gpu.yaml").profile;
  const steps = new Map(backupSteps(profile).map((s) => [s.id, s]));

  it("backup-config writes the configuration (0600 in a 0700 directory) and then checks clean; remove takes it away", () => {
    const root = mkdtempSync(join(tmpdir(), "aiws-steps-"));
    const step = moved(steps.get("backup-config")!, root);
    expect(runBash(phaseFile(step, "check")).stdout).toContain(`${root}/etc/aiws/restic/backup.conf does not exist`);
    const apply = runBash(phaseFile(step, "apply"));
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(`wrote ${root}/usr/local/sbin/aiws-restic`);
    expect(runBash(phaseFile(step, "check"))).toMatchObject({ code: 0, stdout: "" });
    expect(statSync(`${root}/etc/aiws/restic`).mode & 0o777).toBe(0o700);
    expect(statSync(`${root}/etc/aiws/restic/ssh_config`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${root}/etc/aiws/restic/ssh_config`, "utf8")).toContain("  HostName nas.lan\n");
    writeFileSync(`${root}/etc/aiws/restic/excludes`, "changed by hand\n");
    expect(runBash(phaseFile(step, "check")).stdout).toBe(`${root}/etc/aiws/restic/excludes differs from what aiws writes\n`);
    expect(runBash(phaseFile(step, "remove")).code).toBe(0);
    expect(existsSync(`${root}/etc/aiws/restic`)).toBe(false);
  });

  it("backup-credentials installs the secrets as root-only files, never printing them, and refuses a key that is no key", () => {
    const root = mkdtempSync(join(tmpdir(), "aiws-steps-"));
    const step = moved(steps.get("backup-credentials")!, root);
    const key = join(root, "key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const secretDir = join(root, "secrets");
    mkdirSync(secretDir);
    const pw = join(secretDir, "pw");
    writeFileSync(pw, PASSWORD);
    const keyNoNewline = join(secretDir, "key");
    writeFileSync(keyNoNewline, readFileSync(key, "utf8").trimEnd());
    const env = { AIWS_SECRET_BACKUP_PASSWORD_FILE: pw, AIWS_SECRET_NAS_SSH_KEY_FILE: keyNoNewline };
    expect(runBash(phaseFile(step, "check"), { env }).code).toBe(1);
    const apply = runBash(phaseFile(step, "apply"), { env });
    expect(apply).toMatchObject({ code: 0, stderr: "" });
    expect(runBash(phaseFile(step, "check"), { env })).toMatchObject({ code: 0, stdout: "" });
    expect(statSync(`${root}/etc/aiws/restic/password`).mode & 0o777).toBe(0o600);
    expect(statSync(`${root}/etc/aiws/restic/nas_key`).mode & 0o777).toBe(0o600);
    // OpenSSH wants the key's final newline; the stack value may have lost it.
    expect(readFileSync(`${root}/etc/aiws/restic/nas_key`, "utf8")).toBe(readFileSync(key, "utf8"));

    // The drift check sends no secrets (empty file variables): it checks what it can without them.
    const noSecrets = { AIWS_SECRET_BACKUP_PASSWORD_FILE: "", AIWS_SECRET_NAS_SSH_KEY_FILE: "" };
    expect(runBash(phaseFile(step, "check"), { env: noSecrets })).toMatchObject({ code: 0, stdout: "" });
    chmodSync(`${root}/etc/aiws/restic/nas_key`, 0o644);
    expect(runBash(phaseFile(step, "check"), { env: noSecrets }).stdout).toContain(`${root}/etc/aiws/restic/nas_key is not 0600 root\n`);
    chmodSync(`${root}/etc/aiws/restic/nas_key`, 0o600);

    writeFileSync(pw, "a new password");
    const drift = runBash(phaseFile(step, "check"), { env });
    expect(drift.stdout).toBe(`${root}/etc/aiws/restic/password does not hold the stack's backupPassword\n`);

    writeFileSync(keyNoNewline, "not a key at all");
    const bad = runBash(phaseFile(step, "apply"), { env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("aiws:nasSshKey is not an unencrypted OpenSSH private key");
    for (const r of [apply, drift, bad]) expect(`${r.stdout}${r.stderr}`).not.toMatch(/correct horse|a new password|PRIVATE KEY/);
    expect(runBash(phaseFile(step, "remove")).code).toBe(0);
    expect(existsSync(`${root}/etc/aiws/restic/password`)).toBe(false);
  });

  it("backup-repo initialises the repository only when it cannot be opened, and fails loudly on a wrong password", () => {
    const s = sandbox({ repository: "placeholder" });
    const repo = join(s.root, "repo");
    writeFileSync(join(s.root, "etc/aiws/restic/backup.conf"), `REPOSITORY='${repo}'\n`);
    const base = steps.get("backup-repo")!;
    const step = { ...base, vars: { ...base.vars, RESTIC: s.env.AIWS_RESTIC, REPOSITORY: repo } };
    const env = s.env;
    const check = runBash(phaseFile(step, "check"), { env });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`cannot open the restic repository ${repo}`);
    const apply = runBash(phaseFile(step, "apply"), { env });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(`initialising the restic repository ${repo}`);
    expect(runBash(phaseFile(step, "check"), { env })).toMatchObject({ code: 0, stdout: "" });
    expect(runBash(phaseFile(step, "apply"), { env })).toMatchObject({ code: 0, stdout: "" });

    writeFileSync(join(s.root, "etc/aiws/restic/password"), "wrong");
    const wrong = runBash(phaseFile(step, "apply"), { env });
    expect(wrong.code).not.toBe(0);
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/already exists/);
    expect(existsSync(join(repo, "config"))).toBe(true);
  });

  it("backup-units installs the scripts and units, enables the timers, and removes them again", () => {
    const root = mkdtempSync(join(tmpdir(), "aiws-steps-"));
    const step = moved(steps.get("backup-units")!, root);
    const state = join(root, "systemctl");
    writeFileSync(state, "");
    const systemctl = `echo "$*" >>"${state}.log"
case $1 in
  is-enabled|is-active) shift; [ "$1" = --quiet ] && shift; grep -qx "$1" "${state}" ;;
  enable) shift; [ "$1" = --now ] && shift; printf '%s\\n' "$@" >>"${state}" ;;
  disable) shift; [ "$1" = --now ] && shift; for u in "$@"; do sed -i "/^$u\\$/d" "${state}"; done ;;
  *) exit 0 ;;
esac`;
    const run = (phase: "check" | "apply" | "remove") => runBash(phaseFile(step, phase), { stubs: { systemctl } });
    expect(run("check").stdout).toContain("aiws-backup.timer is not enabled");
    expect(run("apply").code).toBe(0);
    const changes = () => readFileSync(`${state}.log`, "utf8").split("\n").filter((l) => l && !l.startsWith("is-"));
    expect(changes()).toEqual(["daemon-reload", "enable --now aiws-backup.timer aiws-backup-check.timer", "restart aiws-backup.timer aiws-backup-check.timer"]);
    expect(run("check")).toMatchObject({ code: 0, stdout: "" });
    expect(statSync(`${root}/usr/local/lib/aiws/backup-run`).mode & 0o777).toBe(0o755);
    expect(readFileSync(`${root}/etc/systemd/system/aiws-backup.timer`, "utf8")).toContain("OnCalendar=daily\n");
    expect(run("apply").stdout).toBe("");
    expect(changes()).toHaveLength(4); // only enable --now again, which changes nothing
    expect(run("remove").code).toBe(0);
    expect(existsSync(`${root}/etc/systemd/system/aiws-backup.service`)).toBe(false);
    expect(readFileSync(state, "utf8")).toBe("");
  });
});
