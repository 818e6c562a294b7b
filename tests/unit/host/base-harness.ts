/**
 * Runs a concern's step phases for real, with bash, the way render.ts runs them (phaseFile:
 * `set -euo pipefail`, the quoted preamble, the body), against stand-in commands on PATH and
 * paths redirected into a temporary directory through the step's own vars.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProfile } from "../../../src/profile/load.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { phaseFile } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const FAKE_NVIDIA_SMI = join(repoRoot, "tests/fixtures/nvidia-smi/fake-nvidia-smi");

export const SHIPPED = ["base", "dual-gpu", "quad-gpu", "a16z"] as const;
export function shipped(name: (typeof SHIPPED)[number]): Profile {
  return loadProfile(join(repoRoot, "profiles", `${name}.yaml`)).profile;
}

export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The apply asked for a reboot (aiws_reboot_required wrote AIWS_REBOOT_FILE). */
  readonly reboot?: boolean;
}

export function tempDir(prefix = "aiws-host-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A step with some vars replaced (paths into a temporary root, test values). */
export function withVars(step: Step, vars: Record<string, string>): Step {
  return { ...step, vars: { ...step.vars, ...vars } };
}

/** Runs one phase of a step with bash; `bin` comes first on PATH. */
export function runPhase(step: Step, phase: "check" | "apply" | "remove", opts: { bin?: string; env?: Record<string, string> } = {}): Run {
  const dir = tempDir("aiws-phase-");
  const file = join(dir, phase);
  writeFileSync(file, phaseFile(step, phase));
  const rebootFile = join(dir, "reboot-required");
  const r = runBash([file], { ...opts, env: { ...opts.env, AIWS_REBOOT_FILE: rebootFile } });
  return { ...r, reboot: existsSync(rebootFile) };
}

/** Runs bash with arguments (a script file and its arguments). */
export function runBash(args: string[], opts: { bin?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...opts.env };
  if (opts.bin) env.PATH = `${opts.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`;
  delete env.SUDO_USER;
  const r = spawnSync("bash", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Writes an executable stand-in command into `bin`. */
export function fake(bin: string, name: string, body: string): void {
  mkdirSync(bin, { recursive: true });
  const p = join(bin, name);
  writeFileSync(p, body.startsWith("#!") ? body : `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`);
  chmodSync(p, 0o755);
}

/**
 * A systemctl that remembers enabled units in STATE/enabled/ and logs every call to
 * STATE/systemctl-calls. `is-active` answers like `is-enabled`.
 */
export function fakeSystemctl(bin: string, state: string): void {
  mkdirSync(join(state, "enabled"), { recursive: true });
  fake(
    bin,
    "systemctl",
    `state=${state}
echo "$*" >>"$state/systemctl-calls"
args=()
for a in "$@"; do case $a in --quiet | --now | -q) ;; *) args+=("$a") ;; esac; done
case \${args[0]} in
  is-enabled | is-active) [[ -e $state/enabled/\${args[1]} ]] ;;
  enable) touch "$state/enabled/\${args[1]}" ;;
  disable) rm -f "$state/enabled/\${args[1]}" ;;
  *) exit 0 ;;
esac`,
  );
}

/** Puts the fake nvidia-smi on PATH in `bin` with GPUs in `smiDir` (see its header for the state files). */
export function fakeNvidiaSmi(bin: string, smiDir: string, gpus: readonly FakeGpu[]): void {
  mkdirSync(bin, { recursive: true });
  mkdirSync(smiDir, { recursive: true });
  copyFileSync(FAKE_NVIDIA_SMI, join(bin, "nvidia-smi"));
  chmodSync(join(bin, "nvidia-smi"), 0o755);
  writeFileSync(
    join(smiDir, "gpus"),
    gpus.map((g) => [g.index, g.uuid, g.bus, g.name, g.limit, g.min, g.max, g.default ?? g.limit, g.persistence ?? "Enabled"].join("|")).join("\n") + "\n",
  );
}

export interface FakeGpu {
  readonly index: number;
  readonly uuid: string;
  readonly bus: string;
  readonly name: string;
  readonly limit: string;
  readonly min: string;
  readonly max: string;
  readonly default?: string;
  readonly persistence?: string;
}
