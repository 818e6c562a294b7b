/**
 * A converge's apply runs detached from the SSH session (src/step/runner.sh, started and
 * followed by src/step/detach.sh): a cut session does not stop it, a second run waits for the
 * host's aiws lock and then finds the work done, and a silent apply gets a heartbeat. Here
 * (no systemd as PID 1) the runner starts under setsid, the fallback a host without systemd gets.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderScript } from "../../src/step/render.js";
import type { Step } from "../../src/step/step.js";

let state: string;
beforeEach(() => (state = mkdtempSync(join(tmpdir(), "aiws-detach-"))));
afterEach(() => rmSync(state, { recursive: true, force: true }));

/** A step that converges when $STATE/ok exists; its apply takes `seconds` and counts its runs. */
function slowStep(id: string, seconds: number): Step {
  return {
    id,
    title: "a slow apply",
    concern: "test",
    after: [],
    check: 'if [ -e "$STATE/ok" ]; then exit 0; fi\necho "no ok file"\nexit 1',
    apply: `echo x >> "$STATE/applies"\necho "unpacking"\nsleep ${seconds}\ntouch "$STATE/ok"\necho "done"`,
    remove: ":",
    vars: { STATE: state },
    secrets: [],
    reboot: "never",
    destructive: false,
  };
}

function start(script: string, env: Record<string, string> = {}) {
  const child = spawn("bash", ["-s"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  child.stdin.end(script);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, out: () => stdout };
}

const applies = () => (existsSync(join(state, "applies")) ? readFileSync(join(state, "applies"), "utf8").split("\n").filter(Boolean).length : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(100);
  }
}

describe("a converge whose session is cut", () => {
  it("keeps applying on the host; the next converge finds it done", async () => {
    const step = slowStep("detach-cut", 3);
    const run = start(renderScript(step, "converge"));
    await until(() => run.out().includes("unpacking"), 15_000);
    // The SSH connection drops: sshd hangs up the session's shell.
    run.child.kill("SIGHUP");
    const cut = await run.done;
    expect(cut.code).not.toBe(0);
    expect(existsSync(join(state, "ok"))).toBe(false);
    await until(() => existsSync(join(state, "ok")), 15_000);
    expect(applies()).toBe(1);
    const again = spawnSync("bash", ["-s"], { input: renderScript(step, "converge"), encoding: "utf8" });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe("aiws: detach-cut: in sync\n");
    // The host kept the whole output of the cut run.
    expect(readFileSync("/var/log/aiws/steps/detach-cut.log", "utf8")).toMatch(/aiws: detach-cut: converged 0\nunpacking\ndone\n$/);
  }, 40_000);
});

describe("two converges at once", () => {
  it("the second waits for the first, saying so, then finds the work done: one apply, both converged", async () => {
    const step = slowStep("detach-twice", 4);
    const a = start(renderScript(step, "converge"));
    await until(() => a.out().includes("unpacking"), 15_000);
    const b = start(renderScript(step, "converge"));
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ra.stdout).toContain("aiws: detach-twice: converged");
    expect(rb.stdout).toMatch(/aiws: detach-twice: another aiws run is changing this host \(step detach-twice, pid \d+, since .*\): waiting for it to finish/);
    expect(rb.stdout).toContain("aiws: detach-twice: the other aiws run converged it while this one waited");
    expect(rb.stdout).toContain("aiws: detach-twice: converged");
    expect(applies()).toBe(1);
  }, 40_000);
});

describe("a silent apply", () => {
  it("gets a heartbeat naming how long it has run and its last line", async () => {
    const step = slowStep("detach-beat", 5);
    const r = await start(renderScript(step, "converge"), { AIWS_HEARTBEAT_SECONDS: "2" }).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/aiws: detach-beat: still applying after \d+ s; last: unpacking/);
  }, 30_000);
});
