/**
 * The wait for a host that reboots (src/pulumi/reboot.ts waitDownCommand), run for real
 * against local ports: a host that never comes back fails within the stated time with one
 * message naming the step, the boot it left and what to do; a host that answers ends the wait.
 */
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { waitDownCommand } from "../../src/pulumi/reboot.js";
import type { Step } from "../../src/step/step.js";
import { shellcheck } from "../helpers/lint.js";

const BOOT = "0b4d2c1e-9f3a-4c1b-8e2d-7a6f5e4d3c2b";
const driver = { id: "nvidia-driver" } as Step;

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function runAsync(cmd: string): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", cmd], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code: number | null) => resolve({ code: code ?? -1, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

describe("the reboot wait (the <id>-reboot-down command)", () => {
  it("is `true` without a pending reboot", () => {
    expect(waitDownCommand(driver, undefined, { host: "ws.lan", port: 22 })).toBe("true # nvidia-driver: no reboot pending");
  });

  it("a host that never comes back: one clear error, within the stated time", async () => {
    const port = await closedPort();
    const r = await runAsync(waitDownCommand(driver, BOOT, { host: "127.0.0.1", port }, { downSeconds: 1, upSeconds: 4 }));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `aiws: nvidia-driver: 127.0.0.1:${port} did not come back within 4 s of the reboot scheduled from boot ${BOOT}. Look at the workstation's console (a BIOS or boot prompt, a kernel that does not boot, a hung shutdown); once it answers SSH again, run pulumi up again: the step checks the new boot and carries on.`,
    );
    expect(r.seconds).toBeGreaterThanOrEqual(5);
    expect(r.seconds).toBeLessThan(20);
  });

  it("a host that answers again ends the wait", async () => {
    const srv = createServer((c) => c.end());
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const r = await runAsync(waitDownCommand(driver, BOOT, { host: "127.0.0.1", port }, { downSeconds: 1, upSeconds: 30 }));
    srv.close();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^aiws: nvidia-driver: 127\\.0\\.0\\.1:${port} answers again after \\d+ s\\n$`));
  });

  it("refuses a host or port that is not one, and its script is shellcheck-clean", () => {
    expect(() => waitDownCommand(driver, BOOT, { host: "-oProxyCommand=x", port: 22 })).toThrow(/not a host/);
    expect(() => waitDownCommand(driver, BOOT, { host: "ws.lan", port: 0 })).toThrow(/not a port/);
    const cmd = waitDownCommand(driver, BOOT, { host: "ws.lan", port: 22 });
    const inner = spawnSync("sh", ["-c", `printf '%s' ${cmd.slice("bash -c ".length, cmd.lastIndexOf(" # "))}`], { encoding: "utf8" }).stdout;
    expect(shellcheck(`#!/usr/bin/env bash\n${inner}\n`)).toBe("");
  });
});
