/**
 * The test engine: the stack's own program (src/pulumi/program.ts: config -> profile ->
 * budgets -> plan -> resources) run under `pulumi.runtime.setMocks`, where the mock's `newResource`
 * performs what the Pulumi engine and the command provider would: each `remote.Command`'s
 * `create` (or `update`) runs for real over SSH with its `stdin`, each `local.Command`'s
 * `create` runs here, in the order and with the concurrency the SDK registers them (steps
 * one after another, as their dependsOn chain says). `npm run demo` and the e2e suite use it
 * to converge the lab's guest without the Pulumi CLI, which these machines cannot download.
 *
 * What it reproduces of the real engine and provider (pulumi-command remote/*):
 * - each remote command run as the provider runs it (provider.ts: a new SSH connection per
 *   command, failed dials retried, the host key checked when `connection.hostKey` is set);
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
import type { ChildProcess } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { readWorkstationConfig } from "../pulumi/config.js";
import { buildWorkstation, type Workstation } from "../pulumi/program.js";
import type { RebootOptions } from "../pulumi/reboot.js";
import { runProcess, runRemote, trimNewline, type Connection } from "./provider.js";
import { holdsSecret, unwrap } from "./secrets.js";
import { aiwsLines, isStepName, lastLines, outcomeOf, summarize, type CommandRecord, type EngineState, type EngineSummary } from "./records.js";

export * from "./records.js";
export { SECRET_SIG, isSecretWrapped, unwrap } from "./secrets.js";

const REMOTE = "command:remote:Command";
const LOCAL = "command:local:Command";

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
