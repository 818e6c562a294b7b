/**
 * SSH to the lab's machines with the lab key and pinned host keys (never "accept anything"):
 * .lab/known_hosts holds the guest's and the NAS's host keys, .lab/ssh_config names them
 * `workstation` and `nas` for people (`ssh -F .lab/ssh_config workstation`). Commands run
 * through the one SSH runner (src/ssh/ssh.ts: dial retry, the pinned-key trust policy).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { guest, nas, net, paths } from "./config.js";
import type { GuestImage } from "./image.js";
import { publicKey } from "./keys.js";
import { SshSession } from "../ssh/ssh.js";
import { knownHostsEntry } from "../ssh/knownHosts.js";
import { sshDestination } from "../ssh/validate.js";

/** A lab command's limit when the caller names none: the longest (a converge's apt) stays well inside it. */
const LAB_COMMAND_TIMEOUT_MS = 3_600_000;

export function nasKnownHostsLine(): string {
  return knownHostsEntry(net.nasIp, 22, publicKey(`${paths.nasHostKey}.pub`));
}

export function writeSshFiles(image: GuestImage): void {
  const guestKey = image.hostKeyPub.split(/\s+/).slice(0, 2).join(" ");
  writeFileSync(paths.knownHosts, `${knownHostsEntry(net.guestIp, 22, guestKey)}\n${nasKnownHostsLine()}\n`);
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

/**
 * ssh arguments up to and including the destination (`-l USER -p 22 -- HOST`: nothing after
 * them is an option), for what is not a lab command: an interactive shell (`npm run lab --
 * ssh`), and the benches' yardstick, one bare ssh without the runner's shared connection.
 */
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

/** The host key .lab/known_hosts pins for one of the lab's addresses (the guest's changes with each image). */
function labHostKey(host: string): string {
  const line = readFileSync(paths.knownHosts, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${host} `));
  if (!line) throw new Error(`${paths.knownHosts} pins no host key for ${host}: run \`npm run lab -- up\``);
  return line.slice(host.length + 1).trim();
}

/** Runs `command` (a shell command line) on `host`, as root unless `opts.user` says otherwise. */
export async function sshRun(host: string, command: string, opts: SshOptions = {}): Promise<SshResult> {
  const user = opts.user ?? "root";
  const session = new SshSession({ host, port: 22, user, identityFile: paths.labKey, trust: { kind: "pinned", hostKey: labHostKey(host) } });
  try {
    const r = await session.run(command, { input: opts.input ?? "", timeoutMs: opts.timeoutMs ?? LAB_COMMAND_TIMEOUT_MS });
    if ((opts.check ?? true) && r.code !== 0) {
      throw new Error(`ssh ${user}@${host} ${JSON.stringify(command)} exited ${r.code}: ${r.stderr.trim()}`);
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.code };
  } finally {
    await session.close();
  }
}
