/**
 * Runs a concern's step phases for real, with bash, the way render.ts runs them (phaseFile:
 * `set -euo pipefail`, the quoted preamble, the body), against stand-in commands on PATH and
 * paths redirected into a temporary directory through the step's own vars.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProfile } from "../../../src/profile/load.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { phaseFile, shellQuote } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** The lab guest's nvidia-smi stand-in, the only one: the unit tests run it too. */
export const NVIDIA_SMI_STANDIN = join(repoRoot, "lab/nvidia-smi/nvidia-smi");

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

/**
 * The nvidia-smi the tests put on PATH: the lab's stand-in with all its files in `smiDir`, as
 * root (so -pl works whoever runs the tests). The paths are written in, not taken from the
 * caller's environment, so a step that runs nvidia-smi with a reduced environment still
 * reaches the test's GPUs.
 */
export function nvidiaSmiWrapper(smiDir: string): string {
  return [
    "#!/usr/bin/env bash",
    `export NVIDIA_SMI_STANDIN_CONF=${shellQuote(join(smiDir, "conf"))}`,
    `export NVIDIA_SMI_STANDIN_STATE_DIR=${shellQuote(smiDir)} NVIDIA_SMI_STANDIN_RUN_DIR=${shellQuote(smiDir)}`,
    "export NVIDIA_SMI_STANDIN_EUID=0",
    `exec python3 ${shellQuote(NVIDIA_SMI_STANDIN)} "$@"`,
    "",
  ].join("\n");
}

/**
 * Puts the stand-in nvidia-smi on PATH in `bin` with `gpus` (in index order) in `smiDir`. What
 * the tests use there (see the stand-in's header): the counters `fail-next` and `reset-next`,
 * the log `pl-calls` ("ID WATTS" per -pl), and `conf`, to which setSmiConf adds keys
 * (driver_version, pl_min_limit/pl_max_limit).
 */
export function fakeNvidiaSmi(bin: string, smiDir: string, gpus: readonly FakeGpu[]): void {
  mkdirSync(bin, { recursive: true });
  mkdirSync(smiDir, { recursive: true });
  writeFileSync(join(bin, "nvidia-smi"), nvidiaSmiWrapper(smiDir), { mode: 0o755 });
  const ordered = [...gpus].sort((a, b) => a.index - b.index);
  writeFileSync(join(smiDir, "conf"), `count=${ordered.length}\nlog_calls=1\n`);
  // "[N/A]": a card that reports no range (the stand-in's null).
  const watts = (v: string) => (v === "[N/A]" ? null : Number(v));
  const identity = ordered.map((g) => ({
    uuid: g.uuid,
    "pci.bus_id": g.bus,
    name: g.name,
    min_limit: watts(g.min),
    max_limit: watts(g.max),
    default_limit: Number(g.default ?? g.limit),
  }));
  writeFileSync(join(smiDir, "state.json"), JSON.stringify({ gpus: identity }));
  const runtime = Object.fromEntries(ordered.map((g) => [g.uuid, { power_limit: Number(g.limit), persistence_mode: (g.persistence ?? "Enabled") === "Enabled" }]));
  writeFileSync(join(smiDir, "runtime.json"), JSON.stringify({ gpus: runtime }));
}

/** Adds configuration lines to the stand-in in `smiDir` (a later key overrides an earlier one). */
export function setSmiConf(smiDir: string, lines: string): void {
  appendFileSync(join(smiDir, "conf"), lines.endsWith("\n") ? lines : `${lines}\n`);
}

/**
 * The power limit each stand-in GPU holds, in index order, as nvidia-smi prints it. Read from
 * its state files rather than through nvidia-smi, so that looking counts no call and trips no
 * fail-next.
 */
export function smiLimits(smiDir: string): string[] {
  const identity = JSON.parse(readFileSync(join(smiDir, "state.json"), "utf8")) as { gpus: { uuid: string }[] };
  const runtime = JSON.parse(readFileSync(join(smiDir, "runtime.json"), "utf8")) as { gpus: Record<string, { power_limit: number }> };
  return identity.gpus.map((g) => runtime.gpus[g.uuid]!.power_limit.toFixed(2));
}

/** The -pl calls the stand-in in `smiDir` received: "ID WATTS", ID being -i's value or "all". */
export function smiPlCalls(smiDir: string): string[] {
  const f = join(smiDir, "pl-calls");
  return existsSync(f) ? readFileSync(f, "utf8").trim().split("\n") : [];
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
