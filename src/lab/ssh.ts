/**
 * SSH to the lab's machines with the lab key and pinned host keys (never "accept anything"):
 * .lab/known_hosts holds the guest's and the NAS's host keys, .lab/ssh_config names them
 * `workstation` and `nas` for people (`ssh -F .lab/ssh_config workstation`).
 */
import { writeFileSync } from "node:fs";
import { guest, nas, net, paths } from "./config.js";
import type { GuestImage } from "./image.js";
import { publicKey } from "./keys.js";
import { sh } from "./processes.js";
import { sshDestination } from "../ssh/validate.js";


export function nasKnownHostsLine(): string {
  return `${net.nasIp} ${publicKey(`${paths.nasHostKey}.pub`)}`;
}

export function writeSshFiles(image: GuestImage): void {
  const guestKey = image.hostKeyPub.split(/\s+/).slice(0, 2).join(" ");
  writeFileSync(paths.knownHosts, `${net.guestIp} ${guestKey}\n${nasKnownHostsLine()}\n`);
  writeFileSync(
    paths.sshConfig,
    [
      `Host ${guest.hostname}`,
      `  HostName ${net.guestIp}`,
      "  User root",
      `Host ${nas.hostname}`,
      `  HostName ${net.nasIp}`,
      "  User root",
      "Host *",
      `  IdentityFile ${paths.labKey}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${paths.knownHosts}`,
      "  StrictHostKeyChecking yes",
      "  BatchMode yes",
      "  ConnectTimeout 5",
      "  LogLevel ERROR",
      "",
    ].join("\n"),
  );
}

/** ssh arguments up to and including the destination (`-l USER -p 22 -- HOST`: nothing after them is an option). */
export function sshArgs(host: string, user = "root", extra: readonly string[] = []): string[] {
  return [
    "-F", "/dev/null",
    "-i", paths.labKey,
    "-o", "IdentitiesOnly=yes",
    "-o", `UserKnownHostsFile=${paths.knownHosts}`,
    "-o", "StrictHostKeyChecking=yes",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=6",
    "-o", "LogLevel=ERROR",
    ...extra,
    ...sshDestination(user, host, 22),
  ];
}

export interface SshResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface SshOptions {
  /** `root` (default) or the non-root `aiws`. */
  readonly user?: string;
  /** Written to the remote command's stdin (how secrets and scripts travel). */
  readonly input?: string;
  /** Throw when the command exits non-zero (default true). */
  readonly check?: boolean;
  readonly timeoutMs?: number;
}

/** Runs `command` (a shell command line) on `host`. */
export async function sshRun(host: string, command: string, opts: SshOptions = {}): Promise<SshResult> {
  const r = await sh({
    nothrow: true,
    input: opts.input ?? "",
    timeout: opts.timeoutMs,
  })`ssh ${sshArgs(host, opts.user)} ${command}`;
  const result = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
  if ((opts.check ?? true) && result.exitCode !== 0) {
    throw new Error(`ssh ${opts.user ?? "root"}@${host} ${JSON.stringify(command)} exited ${result.exitCode}: ${r.stderr.trim()}`);
  }
  return result;
}
