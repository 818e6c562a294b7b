import { existsSync } from "node:fs";
import { $ } from "zx";
import type { SshTarget } from "./ssh.js";
import { fingerprintHowto, HOST_KEY_LINE, INSECURE_WARNING, type HostTrust } from "./hostTrust.js";
import { sshHostProblem, sshUserProblem } from "./validate.js";
import { InputError, UsageError } from "../cli.js";

/** What the drift and switch commands work on: a host and the profile it should match. */
export interface Target {
  readonly ssh: SshTarget;
  readonly profile: string;
  /** The Pulumi stack, when the target came from one (the repair command names it). */
  readonly stack?: string;
}

interface TargetArgs {
  stack?: string;
  host?: string;
  profile?: string;
  user?: string;
  port?: string;
  identity?: string;
  /** `--host-key 'ssh-ed25519 AAAA...'`: the host key to pin, overriding the stack's. */
  "host-key"?: string;
}

/** The stack's keys these commands read; `sshPrivateKey` is the one secret, read alone. */
const PLAIN_KEYS = ["aiws:host", "aiws:profile", "aiws:user", "aiws:port", "aiws:hostKey", "aiws:insecureIgnoreHostKey"] as const;

/**
 * `--stack NAME` reads the stack's aiws:* config through the Pulumi CLI: the plain keys, and
 * of the secrets only the SSH key, which stays in memory (ssh gets it from a private agent).
 * `--host H --profile P` needs no Pulumi at all. Explicit flags override the stack's values.
 * The host's identity is always checked (hostTrust.ts): the stack's aiws:hostKey or
 * `--host-key`, else, in --host mode, the user's known_hosts strictly.
 */
export async function resolveTarget(a: TargetArgs, warn: (line: string) => void = (l) => console.error(l)): Promise<Target> {
  const cfg = a.stack ? await stackConfig(a.stack) : {};
  const host = a.host ?? cfg["aiws:host"];
  const profile = a.profile ?? cfg["aiws:profile"];
  // A stack that lacks a setting is not a usage mistake: the fix is in the stack, not the command line.
  if (!host) throw a.stack ? new InputError(`stack ${a.stack} has no aiws:host; set it with: pulumi config set aiws:host HOST --stack ${a.stack}`) : new UsageError("name a --stack, or a --host and a --profile");
  if (!profile) throw a.stack ? new InputError(`stack ${a.stack} has no aiws:profile; set it with: pulumi config set aiws:profile profiles/NAME.yaml --stack ${a.stack}`) : new UsageError("--profile profiles/NAME.yaml is required with --host");
  const user = a.user ?? cfg["aiws:user"] ?? "root";
  const hostProblem = sshHostProblem(host);
  if (hostProblem) throw new UsageError(`${a.host !== undefined ? "--host" : `aiws:host of stack ${a.stack}`} ${hostProblem}`);
  const userProblem = sshUserProblem(user);
  if (userProblem) throw new UsageError(`${a.user !== undefined ? "--user" : `aiws:user of stack ${a.stack}`} ${userProblem}`);
  const port = Number(a.port ?? cfg["aiws:port"] ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw a.port !== undefined ? new UsageError(`--port ${a.port} is not a TCP port (1 to 65535)`) : new InputError(`stack ${a.stack}: aiws:port ${cfg["aiws:port"]} is not a TCP port; set it with: pulumi config set aiws:port 22 --stack ${a.stack}`);
  }
  const identityFile = a.identity;
  if (identityFile && !existsSync(identityFile)) throw new InputError(`--identity ${identityFile}: no such file; name the private key file (ls ~/.ssh)`);
  const trust = hostTrust(a, cfg, host, warn);
  const privateKey = !identityFile && a.stack ? await stackSecret(a.stack, "aiws:sshPrivateKey") : undefined;
  return {
    ssh: { host, port, user, trust, ...(identityFile ? { identityFile } : {}), ...(privateKey ? { privateKey } : {}) },
    profile,
    ...(a.stack ? { stack: a.stack } : {}),
  };
}

function hostTrust(a: TargetArgs, cfg: Record<string, string>, host: string, warn: (line: string) => void): HostTrust {
  const given = a["host-key"]?.trim();
  if (given !== undefined) {
    if (!HOST_KEY_LINE.test(given)) throw new UsageError(`--host-key takes a public host key line, "ssh-ed25519 AAAA..."\n${fingerprintHowto(host, `--host-key "$(cat ws.hostkey)"`)}`);
    return { kind: "pinned", hostKey: given };
  }
  if (!a.stack) return { kind: "known-hosts" };
  const pinned = cfg["aiws:hostKey"]?.trim();
  if (pinned) {
    if (!HOST_KEY_LINE.test(pinned)) throw new UsageError(`aiws:hostKey of stack ${a.stack} is not an SSH public key line ("ssh-ed25519 AAAA...")`);
    return { kind: "pinned", hostKey: pinned };
  }
  if (cfg["aiws:insecureIgnoreHostKey"] === "true") {
    warn(INSECURE_WARNING);
    return { kind: "insecure" };
  }
  throw new UsageError(
    `stack ${a.stack} has no aiws:hostKey, so there is no way to tell the workstation from anyone answering at ${host}; aiws will not log in as root there.\n${fingerprintHowto(host, `pulumi config set aiws:hostKey "$(cat ws.hostkey)" --stack ${a.stack}`)}`,
  );
}

/** The stack's plain aiws:* keys; secrets are not decrypted here (no --show-secrets). */
async function stackConfig(stack: string): Promise<Record<string, string>> {
  const r = await $({ nothrow: true, quiet: true })`pulumi config --json --stack ${stack}`;
  if (r.exitCode !== 0) throw new UsageError(`cannot read the config of stack ${stack}: ${pulumiFailure(r.exitCode, r.stderr)}`);
  const parsed = JSON.parse(r.stdout) as Record<string, { value?: unknown; secret?: boolean }>;
  const out: Record<string, string> = {};
  for (const key of PLAIN_KEYS) {
    const v = parsed[key];
    if (v === undefined || v.secret || v.value === undefined) continue;
    out[key] = typeof v.value === "string" ? v.value : JSON.stringify(v.value);
  }
  return out;
}

/** One secret of the stack, decrypted alone; undefined when the stack does not hold it. */
async function stackSecret(stack: string, key: string): Promise<string | undefined> {
  const r = await $({ nothrow: true, quiet: true })`pulumi config get ${key} --stack ${stack}`;
  if (r.exitCode === 0) return r.stdout.replace(/\n$/, "") || undefined;
  if (/not found|no value/i.test(r.stderr)) return undefined;
  throw new UsageError(`cannot read ${key} of stack ${stack}: ${pulumiFailure(r.exitCode, r.stderr)}`);
}

function pulumiFailure(code: number | null, stderr: string): string | undefined {
  return code === 127 || /ENOENT|not found: pulumi|command not found/.test(stderr) ? "the Pulumi CLI is not installed (docs/pulumi-up.md, step 2, installs it)" : stderr.trim().split("\n").pop();
}
