/**
 * What the command provider (pulumi-command remote/*) does with one command, reproduced for
 * the test engine: one new SSH connection per command, the command string run by the login
 * shell with `stdin` written to it; a failed dial (refused, reset, timed out) retried up to
 * `connection.dialErrorLimit` times with a backoff from 100 ms growing 1.5x to 5 s, each dial
 * bounded by `perDialTimeout`; the command itself runs once; the host key checked when
 * `connection.hostKey` is set, not at all otherwise. The provider dials once per command, so
 * this runner does too (src/ssh/ssh.ts multiplexes, which the provider does not).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sshDestination } from "../ssh/validate.js";
import { knownHostsEntry } from "../ssh/knownHosts.js";
import { isDialFailure, withDialRetry } from "../ssh/dial.js";

export interface Connection {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKey?: string;
  readonly hostKey?: string;
  readonly dialErrorLimit?: number;
  readonly perDialTimeout?: number;
}

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
}

export const trimNewline = (s: string) => s.replace(/\r?\n$/, "");

export function runProcess(file: string, args: readonly string[], stdin: string, onSpawn: ((c: ChildProcess) => void) | undefined): Promise<Ran> {
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
export async function runRemote(conn: Connection, command: string, stdin: string, onSpawn: ((c: ChildProcess) => void) | undefined): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), "aiws-engine-"));
  try {
    const key = join(dir, "id");
    writeFileSync(key, conn.privateKey?.endsWith("\n") ? conn.privateKey : `${conn.privateKey ?? ""}\n`, { mode: 0o600 });
    const port = conn.port ?? 22;
    const hostKeyOpts = conn.hostKey
      ? (writeFileSync(join(dir, "known_hosts"), `${knownHostsEntry(conn.host, port, conn.hostKey)}\n`),
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
    const { result, failures } = await withDialRetry(() => runProcess("ssh", args, stdin, onSpawn), { limit, timeouts: true });
    if (isDialFailure(result, { timeouts: true })) return { ...result, error: `could not dial ${conn.host}:${port} after ${failures} tries: ${result.stderr.trim()}` };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
