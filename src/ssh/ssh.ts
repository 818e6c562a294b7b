import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where and as whom to reach a workstation. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key file; when absent, ssh's own configuration and agent are used. */
  readonly identityFile?: string;
  /** A pinned host key (`ssh-ed25519 AAAA...`); when absent, a key is accepted on first use only. */
  readonly hostKey?: string;
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

  constructor(readonly target: SshTarget) {
    if (target.hostKey) {
      const host = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
      writeFileSync(join(this.dir, "known_hosts"), `${host} ${target.hostKey}\n`, { mode: 0o600 });
    }
  }

  /** `user@host` for messages. */
  get name(): string {
    return `${this.target.user}@${this.target.host}${this.target.port === 22 ? "" : `:${this.target.port}`}`;
  }

  private args(remote: string): string[] {
    const t = this.target;
    return [
      "-o", "BatchMode=yes",
      "-o", "ConnectTimeout=10",
      "-o", "ServerAliveInterval=5",
      "-o", "ServerAliveCountMax=3",
      "-o", "ControlMaster=auto",
      "-o", `ControlPath=${join(this.dir, "cm-%C")}`,
      "-o", "ControlPersist=120",
      ...(t.hostKey
        ? ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${join(this.dir, "known_hosts")}`]
        : ["-o", "StrictHostKeyChecking=accept-new"]),
      ...(t.identityFile ? ["-i", t.identityFile, "-o", "IdentitiesOnly=yes"] : []),
      "-p", String(t.port),
      `${t.user}@${t.host}`,
      remote,
    ];
  }

  /** Runs a bash script on the host as root. */
  runScript(script: string, opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    const shell = this.target.user === "root" ? "bash -s" : "sudo -n bash -s";
    return this.exec(shell, script, opts.timeoutMs);
  }

  /** Runs a command line on the host as the SSH user (no stdin). */
  run(command: string, opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    return this.exec(command, "", opts.timeoutMs);
  }

  private exec(remote: string, stdin: string, timeoutMs = 600_000): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn("ssh", this.args(remote), { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ code: SSH_FAILED, stdout, stderr: `${stderr}${e.message}` });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? SSH_FAILED : 1), stdout, stderr: signal ? `${stderr}timed out after ${timeoutMs} ms` : stderr });
      });
      child.stdin.on("error", () => undefined); // the remote may exit before reading everything
      child.stdin.end(stdin);
    });
  }

  /** Closes the shared connection and removes the session's files. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const c = spawn("ssh", ["-o", `ControlPath=${join(this.dir, "cm-%C")}`, "-O", "exit", "-p", String(this.target.port), `${this.target.user}@${this.target.host}`], { stdio: "ignore" });
      c.on("close", () => resolve());
      c.on("error", () => resolve());
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One line saying why ssh could not connect, from its stderr. */
export function sshFailure(r: RunResult, name: string): string {
  const last = r.stderr.trim().split("\n").filter(Boolean).pop() ?? "no answer";
  return `cannot reach ${name} over SSH: ${last}`;
}
