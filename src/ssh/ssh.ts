import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrivateAgent } from "./agent.js";
import { hostTrustOptions, type HostTrust } from "./hostTrust.js";
import { sshDestination } from "./validate.js";
import { withDialRetry } from "./dial.js";

/** Where and as whom to reach a workstation. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key file the user named (`--identity`). */
  readonly identityFile?: string;
  /** A private key held in memory (a stack secret): handed to ssh through a private agent, never written. */
  readonly privateKey?: string;
  /** How the host's identity is checked (see hostTrust.ts): pinned, the user's known_hosts strictly, or not at all. */
  readonly trust: HostTrust;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** ssh's own exit status for "could not connect or authenticate". */
export const SSH_FAILED = 255;

/**
 * The one SSH runner the scripts use: OpenSSH with a ControlMaster, so a command that runs
 * several scripts pays for one connection. Scripts travel on stdin to `bash -s` (`sudo -n`
 * for a non-root user), never in argv and never as SSH environment.
 */
export class SshSession {
  private readonly dir = mkdtempSync(join(tmpdir(), "aiws-ssh-"));
  private readonly trustOptions: string[];
  private agent?: Promise<PrivateAgent>;

  constructor(readonly target: SshTarget) {
    sshDestination(target.user, target.host, target.port); // refuses a user or host ssh would read as an option
    this.trustOptions = hostTrustOptions(target.trust, this.dir, target.host, target.port);
  }

  /** The shared connection's socket (%C: a hash of the host, port and user). */
  private get controlPath(): string {
    return join(this.dir, "cm-%C");
  }

  /** `user@host` for messages. */
  get name(): string {
    return `${this.target.user}@${this.target.host}${this.target.port === 22 ? "" : `:${this.target.port}`}`;
  }

  private args(remote: string, agentSocket: string | undefined): string[] {
    const t = this.target;
    return [
      "-o", "BatchMode=yes",
      "-o", "ConnectTimeout=10",
      "-o", "ServerAliveInterval=5",
      "-o", "ServerAliveCountMax=3",
      "-o", "ControlMaster=auto",
      "-o", `ControlPath=${this.controlPath}`,
      "-o", "ControlPersist=120",
      ...this.trustOptions,
      ...(t.identityFile ? ["-i", t.identityFile, "-o", "IdentitiesOnly=yes"] : []),
      ...(agentSocket ? ["-o", `IdentityAgent=${agentSocket}`] : []),
      ...sshDestination(t.user, t.host, t.port),
      remote,
    ];
  }

  /** The private agent holding the in-memory key, started on first use. */
  private async agentSocket(): Promise<string | undefined> {
    if (this.target.privateKey === undefined || this.target.identityFile) return undefined;
    this.agent ??= PrivateAgent.start(this.target.privateKey);
    return (await this.agent).socket;
  }

  /** Runs a bash script on the host as root. */
  runScript(script: string, opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    const shell = this.target.user === "root" ? "bash -s" : "sudo -n bash -s";
    return this.exec(shell, script, opts.timeoutMs);
  }

  /** Runs a command line on the host as the SSH user, `input` on its stdin (none by default). */
  run(command: string, opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    return this.exec(command, opts.input ?? "", opts.timeoutMs);
  }

  /**
   * One command over the shared connection. A dial the host refused or reset before any
   * session (sshd restarting, its MaxStartups throttle) is tried again, a few times within
   * seconds (src/ssh/dial.ts); a dial that timed out is not: it already waited ConnectTimeout.
   */
  private async exec(remote: string, stdin: string, timeoutMs = 600_000): Promise<RunResult> {
    let socket: string | undefined;
    try {
      socket = await this.agentSocket();
    } catch (e) {
      return { code: SSH_FAILED, stdout: "", stderr: (e as Error).message };
    }
    return (await withDialRetry(() => this.execOnce(remote, socket, stdin, timeoutMs), { limit: 4, timeouts: false, noSession: () => this.masterDown() })).result;
  }

  /** True unless the shared connection is up (then the command did reach the host, whatever it printed). */
  private async masterDown(): Promise<boolean> {
    return (await this.control("check")) !== 0;
  }

  /** `ssh -O OP` to the session's connection master: its exit status (null when ssh could not run). */
  private control(op: "check" | "exit"): Promise<number | null> {
    return new Promise((resolve) => {
      const t = this.target;
      const c = spawn("ssh", ["-o", `ControlPath=${this.controlPath}`, "-O", op, ...sshDestination(t.user, t.host, t.port)], { stdio: "ignore" });
      c.on("close", (code) => resolve(code));
      c.on("error", () => resolve(null));
    });
  }

  private execOnce(remote: string, socket: string | undefined, stdin: string, timeoutMs: number): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn("ssh", this.args(remote, socket), { stdio: ["pipe", "pipe", "pipe"] });
      // Kept as bytes and decoded once: a chunk may end inside a multi-byte UTF-8 character.
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const text = (b: Buffer[]) => Buffer.concat(b).toString("utf8");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ code: SSH_FAILED, stdout: text(out), stderr: `${text(err)}${e.message}` });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const stderr = text(err);
        resolve({ code: code ?? (signal ? SSH_FAILED : 1), stdout: text(out), stderr: signal ? `${stderr}timed out after ${timeoutMs} ms` : stderr });
      });
      child.stdin.on("error", () => undefined); // the remote may exit before reading everything
      child.stdin.end(stdin);
    });
  }

  /** Closes the shared connection, stops the key's agent and removes the session's files. */
  async close(): Promise<void> {
    await this.control("exit");
    if (this.agent) await this.agent.then((a) => a.stopNow(), () => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One line saying why ssh could not connect, from its stderr. */
export function sshFailure(r: RunResult, name: string): string {
  const last = r.stderr.trim().split("\n").filter(Boolean).pop() ?? "no answer";
  return `cannot reach ${name} over SSH: ${last}`;
}
