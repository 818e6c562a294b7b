import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationActivityScript, progressLine, runLongPhase, stopRunsScript, type LongPhase, type RootShell } from "../../../src/switch/detached.js";
import { MigrationStop } from "../../../src/switch/stop.js";
import { shellcheck } from "../../helpers/lint.js";
import { lacks } from "../../helpers/systemTools.js";

/** This machine as the host: each script run by a root bash, as the SSH session would (no systemd here: the setsid path). */
function localHost(): RootShell & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    async runScript(script: string) {
      scripts.push(script);
      const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", timeout: 60_000 });
      return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

/** A phase that counts its runs in `work`, prints, reports "1 1000000" per second, and ends with `code`. */
function phase(work: string, seconds: number, code = 0): LongPhase {
  return {
    id: "20261203T010000Z",
    name: "restore",
    what: "the test's phase",
    script: `set -eu\necho run >>'${work}/runs'\nfor i in $(seq ${seconds * 4}); do echo "1 250000" >>'${work}/progress'; sleep 0.25; done\necho "restored 42 files"\necho "a warning" >&2\nexit ${code}`,
    progress: { base: "echo 0 0", now: `awk '{n += $1; s += $2} END {print n + 0, s + 0}' '${work}/progress' 2>/dev/null || echo 0 0` },
    total: { files: 10, bytes: 5_000_000 },
  };
}

/** Waits (up to 10 s: a loaded machine is slow to reap) until `done` holds. */
async function gone(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Running: neither gone nor a zombie (this sandbox's init may not reap). */
function running(pid: string): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** A 30-second phase started here, its connection lost at the first poll: it goes on, as `pid`. */
async function cutWhileRunning() {
  const work = mkdtempSync(join(tmpdir(), "aiws-long-"));
  const runRoot = join(work, "runs.d");
  const real = localHost();
  const cut: RootShell = { runScript: async (script, opts) => (script.includes('then echo "done"') ? { code: 255, stdout: "", stderr: "" } : real.runScript(script, opts)) };
  await runLongPhase(cut, phase(work, 30), { pollMs: 100, runRoot }).catch(() => undefined);
  const pid = readFileSync(join(runRoot, "20261203T010000Z/restore.pid"), "utf8").trim();
  expect(running(pid)).toBe(true);
  return { work, runRoot, real, pid };
}

describe("a long migration phase, run detached on the host", () => {
  it("runs outside the session and comes back with its output, its exit status and progress lines", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-long-"));
    const host = localHost();
    const lines: string[] = [];
    const r = await runLongPhase(host, phase(work, 2, 3), { log: (l) => lines.push(l), pollMs: 200, reportMs: 0, runRoot: join(work, "runs.d") });
    expect(r).toEqual({ code: 3, stdout: "restored 42 files\n", stderr: "a warning\n" });
    expect(lines[0]).toBe("migration: restore: the test's phase runs on the host as process " + /process (\d+)/.exec(lines[0]!)![1] + " (a cut connection does not stop it)");
    const progress = lines.filter((l) => / of 10 files/.test(l));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatch(/^migration: restore: \d+ of 10 files, \d\.\d of 0\.0 GB \(\d+%\)/);
    expect(readFileSync(join(work, "runs"), "utf8")).toBe("run\n");
    expect(readFileSync(join(work, "runs.d/20261203T010000Z/restore.rc"), "utf8").trim()).toBe("3");
  });

  it("a connection lost while following stops the migration; the phase goes on, and the next run follows it instead of starting another", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-long-"));
    const runRoot = join(work, "runs.d");
    const real = localHost();
    let polls = 0;
    // The connection drops at the first poll: the phase has started on the host.
    const cut: RootShell = {
      runScript: async (script, opts) => (script.includes("then echo \"done\"") && polls++ === 0 ? { code: 255, stdout: "", stderr: "Connection to ws closed by remote host." } : real.runScript(script, opts)),
    };
    const p = phase(work, 3);
    const stopped = await runLongPhase(cut, p, { pollMs: 100, runRoot }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(MigrationStop);
    expect((stopped as Error).message).toBe(
      "lost the host while the test's phase runs there (exit 255: Connection to ws closed by remote host.); it goes on as aiws-migration-20261203T010000Z-restore: run the switch again with --resume to follow it",
    );
    const lines: string[] = [];
    const r = await runLongPhase(real, p, { log: (l) => lines.push(l), pollMs: 100, runRoot });
    expect(lines[0]).toBe("migration: restore: following the run already going on the host (aiws-migration-20261203T010000Z-restore)");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("restored 42 files\n");
    // One run on the host, not two.
    expect(readFileSync(join(work, "runs"), "utf8")).toBe("run\n");
  });

  it("a run that ended with status 0 during a cut is taken as it is when the phase allows it (reuseFinished); otherwise, or after a failure, it runs again", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-long-"));
    const runRoot = join(work, "runs.d");
    const host = localHost();
    const p = phase(work, 0);
    expect((await runLongPhase(host, p, { pollMs: 50, runRoot })).code).toBe(0);
    const lines: string[] = [];
    const again = await runLongPhase(host, { ...p, reuseFinished: true }, { log: (l) => lines.push(l), pollMs: 50, runRoot });
    expect(again).toEqual({ code: 0, stdout: "restored 42 files\n", stderr: "a warning\n" });
    expect(lines[0]).toBe("migration: restore: the test's phase ended on the host while the connection was cut: its result is taken, not run again");
    expect(readFileSync(join(work, "runs"), "utf8")).toBe("run\n");
    // Without the flag (a restore after differences were found), it runs again.
    await runLongPhase(host, p, { pollMs: 50, runRoot });
    expect(readFileSync(join(work, "runs"), "utf8")).toBe("run\nrun\n");
    // A run that failed is never taken.
    const failed = phase(work, 0, 2);
    await runLongPhase(host, failed, { pollMs: 50, runRoot });
    expect((await runLongPhase(host, { ...failed, reuseFinished: true }, { pollMs: 50, runRoot })).code).toBe(2);
    expect(readFileSync(join(work, "runs"), "utf8")).toBe("run\nrun\nrun\nrun\n");
  });

  it("the way back of a stopped migration stops its runs still going (setsid: by the pid file naming its folder)", async () => {
    const { work, runRoot, real, pid } = await cutWhileRunning();
    expect((await real.runScript(`set -euo pipefail\n${stopRunsScript("20261203T010000Z", runRoot)}\n`)).code).toBe(0);
    await gone(() => !running(pid));
    expect(running(pid)).toBe(false);
    // The body stopped too: its progress file no longer grows.
    const size = readFileSync(join(work, "progress"), "utf8").length;
    await new Promise((r) => setTimeout(r, 700));
    expect(readFileSync(join(work, "progress"), "utf8").length).toBe(size);
  });

  it("a run of another migration still going is stopped before a phase starts (setsid: found by its pid file, without systemd)", async () => {
    const { work, runRoot, real, pid } = await cutWhileRunning();
    const lines: string[] = [];
    const other: LongPhase = { ...phase(work, 0), id: "20261203T020000Z", name: "hash" };
    expect((await runLongPhase(real, other, { log: (l) => lines.push(l), pollMs: 50, runRoot })).code).toBe(0);
    expect(lines).toContain(`migration: hash: stopped process ${pid}, left running by an earlier migration`);
    await gone(() => !running(pid));
    expect(running(pid)).toBe(false);
  });

  it("a run that died without an exit status is reported, never taken for a success", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-long-"));
    const runRoot = join(work, "runs.d");
    const host = localHost();
    // Killed as an OOM or a reboot would: the wrapper never writes the status.
    const p: LongPhase = { ...phase(work, 1), script: 'kill -9 "$PPID"; sleep 5' };
    const e = await runLongPhase(host, p, { pollMs: 100, runRoot }).catch((x: unknown) => x);
    expect((e as Error).message).toBe(
      "the test's phase ended on the host without an exit status (see journalctl -u aiws-migration-20261203T010000Z-restore): run the switch again with --resume",
    );
    expect(existsSync(join(runRoot, "20261203T010000Z/restore.rc"))).toBe(false);
  });

  it.skipIf(lacks("shellcheck"))("its start, poll and collection scripts are clean under shellcheck", async () => {
    const work = mkdtempSync(join(tmpdir(), "aiws-long-"));
    const host = localHost();
    await runLongPhase(host, phase(work, 0), { pollMs: 100, runRoot: join(work, "runs.d") });
    const kinds = new Set<string>();
    for (const s of host.scripts) {
      kinds.add(s.split("\n")[0]!);
      expect(shellcheck(s)).toBe("");
    }
    expect(kinds.size).toBe(3);
    // And what a resume asks before it starts over (is the migration still at work?).
    expect(shellcheck(`set -euo pipefail\n${migrationActivityScript("20261203T010000Z")}\n`)).toBe("");
  });

  it("progress lines: files and bytes against the totals, the rate and the time left", () => {
    expect(progressLine({ files: 1200, bytes: 12e9 }, { files: 4000, bytes: 40e9 }, 100, 11e9)).toBe("1200 of 4000 files, 12.0 of 40.0 GB (30%), 110 MB/s, about 4 min left");
    expect(progressLine({ files: 3, bytes: 2e12 }, { files: 9, bytes: 8e12 }, 3600, 1.8e12)).toBe("3 of 9 files, 2000.0 of 8000.0 GB (25%), 500 MB/s, about 3.3 h left");
    expect(progressLine({ files: 5, bytes: 0 }, undefined, 0, 0)).toBe("5 files, 0.0 GB");
  });
});
