/**
 * What the e2e files share: timed phases, the guest's shell, converging through the test
 * engine, and the drift check, on the lab that lab/workstation.ts prepares.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runDrift } from "../../src/drift/drift.js";
import type { DriftReport } from "../../src/drift/report.js";
import { engineUp, type CommandRecord, type EngineOptions, type EngineState, type EngineSummary } from "../../src/engine/engine.js";
import { guestSsh, type SshResult } from "../../src/lab/lab.js";
import { paths, repoRoot } from "../../src/lab/config.js";
import { labStackConfig, labTarget } from "../../lab/workstation.js";

/** Seconds per phase of this file, printed as they finish and in a table at the end. */
export const timings: [string, number][] = [];

export async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work();
  } finally {
    const s = (Date.now() - t0) / 1000;
    timings.push([name, s]);
    console.log(`[e2e] ${name}: ${s.toFixed(1)} s`);
  }
}

export function printTimings(title: string): void {
  const total = timings.reduce((n, [, s]) => n + s, 0);
  console.log([`[e2e] ${title}: phase timings`, ...timings.map(([n, s]) => `  ${n.padEnd(58)} ${s.toFixed(1).padStart(7)} s`), `  ${"total".padEnd(58)} ${total.toFixed(1).padStart(7)} s`].join("\n"));
}

/** Runs a command line on the guest as root; throws (with its output) when it fails. */
export async function sh(command: string, opts: { input?: string; check?: boolean; timeoutMs?: number } = {}): Promise<SshResult> {
  const r = await guestSsh(command, { check: false, timeoutMs: opts.timeoutMs ?? 600_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  if ((opts.check ?? true) && r.exitCode !== 0) throw new Error(`guest: ${command}\nexit ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** stdout of a guest command, trimmed. */
export async function out(command: string): Promise<string> {
  return (await sh(command)).stdout.trim();
}

function line(r: CommandRecord): string {
  const what = r.outcome === "converged" ? "applied" : r.outcome;
  const err = r.outcome === "failed" ? `  ${r.error ?? ""}` : "";
  return `    ${r.name.padEnd(34)} ${what.padEnd(10)} ${r.seconds.toFixed(1).padStart(6)} s${err}`;
}

export interface ConvergeOptions extends Pick<EngineOptions, "onSpawn" | "onStart"> {
  readonly profile: string;
  readonly user?: string;
  readonly repair?: string;
  readonly state?: EngineState;
  /** The stack config to converge with, as `npm run init` set it; default: the lab's (labStackConfig). */
  readonly stack?: { config: Record<string, string>; secretKeys: string[] };
}

/** One `pulumi up` of the lab through the test engine, each command printed as it finishes. */
export async function converge(label: string, o: ConvergeOptions): Promise<EngineSummary> {
  const { config, secretKeys } = o.stack ?? labStackConfig({ profile: o.profile, ...(o.user ? { user: o.user } : {}), ...(o.repair ? { repair: o.repair } : {}) });
  console.log(`[e2e] ${label}: converging ${o.profile} as ${o.user ?? "root"}${o.repair ? ` with aiws:repair=${o.repair}` : ""}${o.state ? " (against the last run's state)" : ""}`);
  const s = await engineUp({
    config,
    secretKeys,
    ...(o.state ? { state: o.state } : {}),
    ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}),
    ...(o.onStart ? { onStart: o.onStart } : {}),
    onRecord: (r) => console.log(line(r)),
  });
  console.log(`[e2e] ${label}: ${s.steps} steps, ${s.applied} applied, ${s.inSync} in sync, ${s.unchanged} unchanged, ${s.failed} failed, ${s.skipped} not run (${s.seconds.toFixed(1)} s)${s.error ? `\n${s.error}` : ""}`);
  return s;
}

/** The failed record's details, for an assertion message. */
export function failure(s: EngineSummary): string {
  const f = s.records.find((r) => r.outcome === "failed");
  if (!f) return s.error ?? "";
  return `${f.name}: ${f.error}\n${(f.stderr || f.stdout).split("\n").slice(-25).join("\n")}`;
}

/**
 * The drift check (the code `npm run drift` runs), the guest's host key pinned, as the user the
 * host was converged as (data-layout's directories belong to the login user: SUDO_USER).
 */
export function drift(profile: string, user = "root"): Promise<DriftReport> {
  return runDrift(labTarget(profile, user));
}

export function driftedIds(r: DriftReport): string[] {
  return r.steps.filter((s) => s.status !== "in-sync").map((s) => s.id);
}

/**
 * A repository CLI (`npm run drift`, `npm run switch`, ...) as a user runs it, with --host and
 * --identity. Without --host-key those check the host key against ~/.ssh/known_hosts strictly
 * (never trust on first use), so the guest's entry there is set to the lab's pinned key first.
 */
export function cli(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string; stderr: string } {
  pinGuestInUserKnownHosts();
  const r = spawnSync("npx", ["tsx", join("scripts", `${script}.ts`), ...args], { cwd: repoRoot, encoding: "utf8", timeout: 900_000, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function pinGuestInUserKnownHosts(): void {
  const home = process.env.HOME ?? "/root";
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  const file = join(home, ".ssh", "known_hosts");
  spawnSync("ssh-keygen", ["-R", "10.200.0.10", "-f", file], { stdio: "ignore" });
  const line = spawnSync("grep", ["^10\\.200\\.0\\.10 ", paths.knownHosts], { encoding: "utf8" }).stdout;
  writeFileSync(file, line, { flag: "a", mode: 0o600 });
}

/** A profile beside the lab's (in .lab/run, git-ignored) that extends one of them. */
export function derivedProfile(name: string, yaml: string): string {
  const dir = join(paths.runDir, "profiles");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** Waits until a guest command succeeds (udev and mounts settle slowly under emulation). */
export async function until(command: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await sh(command, { check: false });
    if (r.exitCode === 0) return;
    if (Date.now() > deadline) throw new Error(`guest: ${command} did not succeed within ${timeoutMs / 1000} s: ${r.stdout}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 3000));
  }
}

/** The inference services of the lab profiles and what each answers. */
export const SERVICES = [
  { unit: "aiws-vllm-chat.service", health: "http://127.0.0.1:8000/health", api: "http://127.0.0.1:8000/v1/models" },
  { unit: "aiws-ollama-assistant.service", health: "http://127.0.0.1:11434/api/version", api: "" },
  { unit: "aiws-llamacpp-local.service", health: "http://127.0.0.1:8080/health", api: "http://127.0.0.1:8080/v1/models" },
] as const;

/**
 * Every inference unit installed, enabled, running and answering its health check, and its
 * OpenAI API refusing a request without the key and answering one with it (one ssh call).
 */
export async function assertInference(apiKey: string): Promise<void> {
  const lines = ["set -u", "fail=0", `key=${JSON.stringify(apiKey)}`];
  for (const s of SERVICES) {
    lines.push(
      `ok=0; for i in $(seq 30); do if systemctl is-enabled --quiet ${s.unit} && systemctl is-active --quiet ${s.unit} && curl -fsS --max-time 5 -o /dev/null ${s.health}; then ok=1; break; fi; sleep 3; done`,
      `[ $ok = 1 ] || { echo "${s.unit}: not enabled, running and answering ${s.health} within 90 s"; fail=1; }`,
    );
    if (s.api) {
      lines.push(
        `code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${s.api}); [ "$code" = 401 ] || { echo "${s.unit}: ${s.api} without the key answered $code, not 401"; fail=1; }`,
        `curl -fsS --max-time 5 -o /dev/null -H "Authorization: Bearer $key" ${s.api} || { echo "${s.unit}: ${s.api} refused the key"; fail=1; }`,
      );
    }
  }
  lines.push("exit $fail");
  const r = await sh("bash -s", { input: `${lines.join("\n")}\n`, check: false });
  if (r.exitCode !== 0) throw new Error(`inference services:\n${r.stdout}${r.stderr}`);
}

export const SUITE_FILE = (f: string) => join(repoRoot, f);
