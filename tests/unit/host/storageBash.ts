import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shellQuote } from "../../../src/step/render.js";

/**
 * Test support for the storage and backup steps' bash: a preamble like the one the renderer
 * writes (`set -euo pipefail`, then each var as a quoted shell variable), stand-in commands
 * on PATH, and a way to run a body for real.
 */

/** `set -euo pipefail` and the vars, as the renderer sets them before a step's body. */
export function preamble(vars: Readonly<Record<string, string>>): string {
  return ["set -euo pipefail", ...Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`)].join("\n") + "\n";
}

/** A script as the host runs it: preamble, then body. */
export function script(vars: Readonly<Record<string, string>>, body: string): string {
  return `#!/usr/bin/env bash\n${preamble(vars)}${body}`;
}

export interface BashResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The script asked for a reboot (aiws_reboot_required wrote AIWS_REBOOT_FILE). */
  readonly reboot: boolean;
}

/** Runs a script with bash; `stubs` (name -> bash body) go first on PATH. */
export function runBash(text: string, opts: { stubs?: Record<string, string>; env?: Record<string, string>; cwd?: string } = {}): BashResult {
  const dir = mkdtempSync(join(tmpdir(), "aiws-bash-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const [name, body] of Object.entries(opts.stubs ?? {})) {
    const p = join(bin, name);
    writeFileSync(p, `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(p, 0o755);
  }
  const file = join(dir, "script.sh");
  writeFileSync(file, text);
  const r = spawnSync("bash", [file], {
    encoding: "utf8",
    cwd: opts.cwd ?? dir,
    // The record of filesystems aiws made lives in the scratch directory, never in this machine's /var/lib/aiws.
    env: {
      ...process.env,
      AIWS_REBOOT_FILE: join(dir, "reboot-required"),
      AIWS_FS_RECORD: join(dir, "filesystems-made"),
      AIWS_REFORMAT_CONFIRMED: join(dir, "reformat-confirmed"),
      ...opts.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
    },
    input: "",
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, reboot: existsSync(join(dir, "reboot-required")) };
}

/** True when this machine lets the tests make loop devices (root, util-linux). */
export function canUseLoopDevices(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync("losetup", ["-f"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.startsWith("/dev/loop");
}
