/**
 * The test engine: the stack's own program (stacks/workstation: config -> profile -> budgets ->
 * plan -> resources) run under `pulumi.runtime.setMocks`, where the mock's `newResource`
 * performs what the Pulumi engine and the command provider would: each `remote.Command`'s
 * `create` (or `update`) runs for real over SSH with its `stdin`, each `local.Command`'s
 * `create` runs here, in the order and with the concurrency the SDK registers them (steps
 * one after another, as their dependsOn chain says). `npm run demo` and the e2e suite use it
 * to converge the lab's guest without the Pulumi CLI, which these machines cannot download.
 *
 * What it reproduces of the real engine and provider (pulumi-command remote/*):
 * - one new SSH connection per command; the command string run by the login shell, `stdin`
 *   written to it; a failed dial (refused, reset, timed out) retried up to
 *   `connection.dialErrorLimit` times with a backoff from 100 ms growing 1.5x to 5 s, each dial
 *   bounded by `perDialTimeout`; the command itself runs once;
 * - the host key checked when `connection.hostKey` is set, not at all otherwise;
 * - stdout/stderr with the trailing newline trimmed; a non-zero exit fails the resource, and
 *   then nothing that comes after it runs (the plan is one chain; Pulumi stops there too);
 * - with an `EngineState`, Pulumi's diff: a resource whose inputs are those of the last run is
 *   not run again (its outputs come from the state), a changed one runs `update`, a new one
 *   `create`; `engineDestroy` runs each remote command's `delete` in reverse order.
 * Without a state every resource is new, as on a fresh stack: each step's converge script
 * runs its check first and prints `aiws: <id>: in sync` or applies and prints `converged`.
 *
 * Mock facts this relies on (@pulumi/pulumi's runtime/rpc.ts and runtime/state.ts,
 * https://github.com/pulumi/pulumi/tree/master/sdk/nodejs/runtime): secrets reach the
 * mock wrapped (SECRET_SIG) and are unwrapped here; a throwing `newResource` would hang the
 * program, so every error is caught and recorded; the runtime's state is global, so one run
 * at a time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readWorkstationConfig } from "../../stacks/workstation/config.js";
import { buildWorkstation, type Workstation } from "../../stacks/workstation/program.js";
import type { RebootOptions } from "../pulumi/reboot.js";
import { IDENTITY_NAMES } from "../pulumi/identity.js";
import { sshDestination } from "../ssh/validate.js";

/** The key and value pulumi puts on a secret value it sends to the engine (sdk/nodejs/runtime/rpc.ts). */
export const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

const REMOTE = "command:remote:Command";
const LOCAL = "command:local:Command";

/** What became of one command. */
export type Outcome =
  /** The step's check passed first: nothing was applied. */
  | "in-sync"
  /** The step's check failed, apply ran, the check passed afterwards. */
  | "converged"
  /** Apply asked for a reboot (and the converge script scheduled it). */
  | "reboot"
  /** A command that is not a step's converge (a reboot wait, a delete) ran and exited 0. */
  | "ran"
  /** The command exited non-zero, or could not run at all. */
  | "failed"
  /** Not run: something before it failed. */
  | "skipped"
  /** Not run: its inputs are those of the last run (EngineState). */
  | "unchanged";

export interface CommandRecord {
  /** The resource name: a step id, or `<id>-reboot-down` / `<id>-reboot-up`. */
  readonly name: string;
  readonly kind: "remote" | "local";
  readonly operation: "create" | "update" | "delete" | "none";
  readonly outcome: Outcome;
  /** The command's exit status (null when it did not run or was killed). */
  readonly exitCode: number | null;
  readonly seconds: number;
  /** The `aiws: <id>: ...` lines the converge script printed. */
  readonly lines: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  /** The resource's stdin held secrets: its output is not to be shown (logging: none). */
  readonly secret: boolean;
  /** Why it failed. */
  readonly error?: string;
}

export interface EngineSummary {
  /** Every command, in the order it finished. */
  readonly records: readonly CommandRecord[];
  /** Steps in the plan. */
  readonly steps: number;
  readonly inSync: number;
  /** Steps whose apply ran (converged, or asked for a reboot). */
  readonly applied: number;
  readonly failed: number;
  readonly skipped: number;
  readonly unchanged: number;
  readonly seconds: number;
  readonly ok: boolean;
  /** The program's own error (a refused profile, a config key), when it stopped before any resource. */
  readonly error?: string;
  /** What the program registered (undefined when it stopped). */
  readonly workstation?: Workstation;
}

/** The last run's resources, for Pulumi's diff on the next run and for destroy. */
export interface EngineState {
  readonly resources: Map<string, { readonly type: string; readonly key: string; readonly inputs: Record<string, unknown>; readonly outputs: { stdout: string; stderr: string } }>;
  /** Names in the order they were created. */
  readonly order: string[];
}

export function newEngineState(): EngineState {
  return { resources: new Map(), order: [] };
}

export interface EngineOptions {
  /** The stack's config, `aiws:*` keys (profile, host, user, port, sshPrivateKey, hostKey, repair, the secrets the plan needs). */
  readonly config: Readonly<Record<string, string>>;
  /** Which config keys are secrets (sshPrivateKey and the plan's secrets). */
  readonly secretKeys?: readonly string[];
  /** Pulumi's diff against the last run (see EngineState); updated in place. Without it, every resource is created. */
  readonly state?: EngineState;
  /** The stack name (default `lab`). */
  readonly stack?: string;
  /** Tuning of the reboot wait. */
  readonly reboot?: RebootOptions;
  /** A command is about to run. */
  readonly onStart?: (name: string, kind: "remote" | "local") => void;
  /** A command finished (or was skipped). */
  readonly onRecord?: (r: CommandRecord) => void;
  /** The process that runs a command was started (tests cut connections with it). */
  readonly onSpawn?: (name: string, child: ChildProcess) => void;
}

export function isSecretWrapped(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG[0]] === SECRET_SIG[1];
}

/** The value with pulumi's secret wrappers taken off. */
export function unwrap(v: unknown): unknown {
  if (isSecretWrapped(v)) return unwrap(v.value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

function holdsSecret(v: unknown): boolean {
  if (isSecretWrapped(v)) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(holdsSecret);
  return false;
}

interface Connection {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKey?: string;
  readonly hostKey?: string;
  readonly dialErrorLimit?: number;
  readonly perDialTimeout?: number;
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
}

/** ssh's messages for a dial that failed before any session: the provider retries those. */
const DIAL_FAILURE = /connect to host .* port \d+: |kex_exchange_identification|Connection (closed|reset) by .* port \d+|banner exchange|Connection timed out during banner exchange/;

const trimNewline = (s: string) => s.replace(/\r?\n$/, "");
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function runProcess(file: string, args: readonly string[], stdin: string, onSpawn: ((c: ChildProcess) => void) | undefined): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => resolve({ code: null, stdout, stderr, error: e.message }));
    child.on("close", (code, signal) => resolve({ code, stdout, stderr, ...(signal ? { error: `killed by ${signal}` } : {}) }));
    child.stdin.on("error", () => undefined); // the remote side may exit before reading it all
    child.stdin.end(stdin);
    onSpawn?.(child);
  });
}

/** One remote command, as the provider runs it: dial (with retries), run once. */
async function runRemote(conn: Connection, command: string, stdin: string, onSpawn: ((c: ChildProcess) => void) | undefined): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), "aiws-engine-"));
  try {
    const key = join(dir, "id");
    writeFileSync(key, conn.privateKey?.endsWith("\n") ? conn.privateKey : `${conn.privateKey ?? ""}\n`, { mode: 0o600 });
    const port = conn.port ?? 22;
    const hostKeyOpts = conn.hostKey
      ? (writeFileSync(join(dir, "known_hosts"), `${port === 22 ? conn.host : `[${conn.host}]:${port}`} ${conn.hostKey}\n`),
        ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${join(dir, "known_hosts")}`])
      : ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"];
    const args = [
      "-F", "/dev/null",
      "-i", key,
      "-o", "IdentitiesOnly=yes",
      "-o", "BatchMode=yes",
      "-o", `ConnectTimeout=${conn.perDialTimeout ?? 15}`,
      "-o", "ServerAliveInterval=15",
      "-o", "ServerAliveCountMax=4",
      "-o", "LogLevel=ERROR",
      ...hostKeyOpts,
      ...sshDestination(conn.user ?? "root", conn.host, port),
      command,
    ];
    const limit = conn.dialErrorLimit ?? 10;
    let delay = 100;
    for (let failures = 0; ; ) {
      const r = await runProcess("ssh", args, stdin, onSpawn);
      const dialFailed = r.code === 255 && r.stdout === "" && DIAL_FAILURE.test(r.stderr);
      if (!dialFailed) return r;
      failures++;
      if (limit >= 0 && failures > limit) return { ...r, error: `could not dial ${conn.host}:${port} after ${failures} tries: ${r.stderr.trim()}` };
      await sleep(delay);
      delay = Math.min(delay * 1.5, 5000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function aiwsLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("aiws: "));
}

function outcomeOf(name: string, isStep: boolean, r: Ran): Outcome {
  if (r.code !== 0) return "failed";
  if (!isStep) return "ran";
  const lines = aiwsLines(r.stdout);
  if (lines.includes(`aiws: ${name}: in sync`)) return "in-sync";
  if (lines.some((l) => l === `aiws: ${name}: reboot required`)) return "reboot";
  if (lines.includes(`aiws: ${name}: converged`)) return "converged";
  return "ran";
}

function lastLines(s: string, n = 4): string {
  return s.trim().split("\n").filter(Boolean).slice(-n).join(" / ");
}

/** A step's own command: not a reboot wait, not the hardware check before the steps. */
function isStepName(name: string): boolean {
  return !/-reboot-(down|up)$/.test(name) && !(Object.values(IDENTITY_NAMES) as string[]).includes(name);
}

function summarize(records: CommandRecord[], steps: number, start: number, extra: Partial<EngineSummary> = {}): EngineSummary {
  const stepRecords = records.filter((r) => r.operation !== "delete" && isStepName(r.name));
  const count = (o: Outcome) => stepRecords.filter((r) => r.outcome === o).length;
  const failed = records.filter((r) => r.outcome === "failed").length;
  return {
    records,
    steps,
    inSync: count("in-sync"),
    applied: count("converged") + count("reboot"),
    failed,
    skipped: records.filter((r) => r.outcome === "skipped").length,
    unchanged: count("unchanged"),
    seconds: (Date.now() - start) / 1000,
    ok: failed === 0 && !extra.error,
    ...extra,
  };
}

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** The whole program once, as `pulumi up` would run it, every command for real. */
export async function engineUp(opts: EngineOptions): Promise<EngineSummary> {
  const start = Date.now();
  const records: CommandRecord[] = [];
  const state = opts.state;
  let stopped = false;
  const record = (r: CommandRecord) => {
    records.push(r);
    opts.onRecord?.(r);
  };

  const perform = async (type: string, name: string, inputs: Record<string, unknown>): Promise<{ stdout: string; stderr: string }> => {
    const plain = unwrap(inputs) as Record<string, unknown>;
    const kind = type === REMOTE ? "remote" : "local";
    const secret = holdsSecret(inputs.stdin);
    const key = JSON.stringify(plain);
    const previous = state?.resources.get(name);
    const base = { name, kind, secret, lines: [], stdout: "", stderr: "", exitCode: null, seconds: 0 } as const;
    if (previous && previous.key === key) {
      record({ ...base, operation: "none", outcome: "unchanged", lines: aiwsLines(previous.outputs.stdout) });
      return previous.outputs;
    }
    if (stopped) {
      record({ ...base, operation: "none", outcome: "skipped" });
      return { stdout: "", stderr: "" };
    }
    const operation = previous ? "update" : "create";
    const command = String((operation === "update" ? plain.update : undefined) ?? plain.create ?? "");
    opts.onStart?.(name, kind);
    const t0 = Date.now();
    const r =
      kind === "remote"
        ? await runRemote(plain.connection as Connection, command, typeof plain.stdin === "string" ? plain.stdin : "", (c) => opts.onSpawn?.(name, c))
        : await runProcess("/bin/sh", ["-c", command], typeof plain.stdin === "string" ? plain.stdin : "", (c) => opts.onSpawn?.(name, c));
    const outputs = { stdout: trimNewline(r.stdout), stderr: trimNewline(r.stderr) };
    const outcome = outcomeOf(name, isStepName(name), r);
    const error = outcome === "failed" ? (r.error ?? `exited ${r.code}: ${lastLines(r.stderr || r.stdout)}`) : undefined;
    record({ ...base, operation, outcome, exitCode: r.code, seconds: (Date.now() - t0) / 1000, lines: aiwsLines(r.stdout), ...outputs, ...(error ? { error } : {}) });
    if (outcome === "failed") stopped = true;
    else if (state) {
      if (!state.resources.has(name)) state.order.push(name);
      state.resources.set(name, { type, key, inputs: plain, outputs });
    }
    return outputs;
  };

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        // A throw here would hang the program under test: every failure becomes a record.
        try {
          if (args.type !== REMOTE && args.type !== LOCAL) return { id: args.custom ? `${args.name}-id` : "", state: args.inputs };
          const inputs = args.inputs as Record<string, unknown>;
          const out = await perform(args.type, args.name, inputs);
          return { id: `${args.name}-id`, state: { ...inputs, ...out } };
        } catch (e) {
          stopped = true;
          record({ name: args.name, kind: args.type === REMOTE ? "remote" : "local", operation: "create", outcome: "failed", exitCode: null, seconds: 0, lines: [], stdout: "", stderr: "", secret: false, error: `engine: ${(e as Error).message}` });
          return { id: `${args.name}-failed`, state: { ...args.inputs, stdout: "", stderr: "" } };
        }
      },
      call(args) {
        return args.inputs;
      },
    },
    "aiws",
    opts.stack ?? "lab",
    false,
  );
  pulumi.runtime.setAllConfig({ ...opts.config }, [...(opts.secretKeys ?? [])]);

  let ws: Workstation;
  try {
    ws = buildWorkstation(readWorkstationConfig(), opts.reboot ? { reboot: opts.reboot } : {});
  } catch (e) {
    return summarize(records, 0, start, { error: (e as Error).message });
  }
  // The hardware check first: when the host is not the profile's machine, no step registers
  // (Pulumi stops the update there), so there is nothing more to wait for.
  if (ws.resources.identity) {
    const differences = await value(ws.resources.identity.differences);
    if (differences.length > 0) return summarize(records, ws.steps.length, start, { error: `the profile does not describe this host, so no step was run:\n  - ${differences.join("\n  - ")}`, workstation: ws });
  }
  // Every command's stdout resolves once its newResource returned: then the run is over.
  await Promise.all(ws.resources.steps.flatMap((s) => [s.command, s.rebootDown, s.rebootUp].filter((c) => c !== undefined).map((c) => value(c.stdout))));
  // Resources the last run had and this one does not: Pulumi deletes them at the end of an update.
  if (state) {
    const now = new Set(records.map((r) => r.name));
    const gone = state.order.filter((n) => !now.has(n));
    if (gone.length > 0 && !stopped) records.push(...(await deleteResources(state, gone, opts)));
  }
  return summarize(records, ws.steps.length, start, { workstation: ws });
}

/** `pulumi destroy`: every remote command of the state runs its `delete`, last created first. */
export async function engineDestroy(state: EngineState, opts: Pick<EngineOptions, "onStart" | "onRecord" | "onSpawn"> = {}): Promise<EngineSummary> {
  const start = Date.now();
  const records = await deleteResources(state, [...state.order], opts);
  return summarize(records, 0, start);
}

async function deleteResources(state: EngineState, names: readonly string[], opts: Pick<EngineOptions, "onStart" | "onRecord" | "onSpawn">): Promise<CommandRecord[]> {
  const records: CommandRecord[] = [];
  for (const name of [...names].reverse()) {
    const r = state.resources.get(name);
    if (!r) continue;
    const del = r.inputs.delete;
    if (r.type !== REMOTE || typeof del !== "string") {
      state.resources.delete(name);
      state.order.splice(state.order.indexOf(name), 1);
      continue;
    }
    opts.onStart?.(name, "remote");
    const t0 = Date.now();
    // The provider sends the resource's last stdin to its delete too (the remove script is in
    // the command's here-document, so bash reads that instead).
    const ran = await runRemote(r.inputs.connection as Connection, del, typeof r.inputs.stdin === "string" ? r.inputs.stdin : "", (c) => opts.onSpawn?.(name, c));
    const failed = ran.code !== 0;
    const rec: CommandRecord = {
      name,
      kind: "remote",
      operation: "delete",
      outcome: failed ? "failed" : "ran",
      exitCode: ran.code,
      seconds: (Date.now() - t0) / 1000,
      lines: aiwsLines(ran.stdout),
      stdout: trimNewline(ran.stdout),
      stderr: trimNewline(ran.stderr),
      secret: false,
      ...(failed ? { error: ran.error ?? `exited ${ran.code}: ${lastLines(ran.stderr || ran.stdout)}` } : {}),
    };
    records.push(rec);
    opts.onRecord?.(rec);
    if (failed) break; // Pulumi stops at the first failed delete; the rest stay in the state
    state.resources.delete(name);
    state.order.splice(state.order.indexOf(name), 1);
  }
  return records;
}
