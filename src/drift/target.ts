import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import type { SshTarget } from "../ssh/ssh.js";
import { InputError, UsageError } from "../cli.js";

/** What the drift and switch commands work on: a host and the profile it should match. */
export interface Target {
  readonly ssh: SshTarget;
  readonly profile: string;
  /** The Pulumi stack, when the target came from one (the repair command names it). */
  readonly stack?: string;
}

export interface TargetArgs {
  stack?: string;
  host?: string;
  profile?: string;
  user?: string;
  port?: string;
  identity?: string;
}

/**
 * `--stack NAME` reads the stack's aiws:* config through the Pulumi CLI (secrets decrypted
 * in memory, the SSH key written 0600 to a private temp dir); `--host H --profile P` needs no
 * Pulumi at all. Explicit flags override the stack's values.
 */
export async function resolveTarget(a: TargetArgs): Promise<Target> {
  let cfg: Record<string, string> = {};
  if (a.stack) cfg = await stackConfig(a.stack);
  const host = a.host ?? cfg["aiws:host"];
  const profile = a.profile ?? cfg["aiws:profile"];
  // A stack that lacks a setting is not a usage mistake: the fix is in the stack, not the command line.
  if (!host) throw a.stack ? new InputError(`stack ${a.stack} has no aiws:host; set it with: pulumi config set aiws:host HOST --stack ${a.stack}`) : new UsageError("name a --stack, or a --host and a --profile");
  if (!profile) throw a.stack ? new InputError(`stack ${a.stack} has no aiws:profile; set it with: pulumi config set aiws:profile profiles/NAME.yaml --stack ${a.stack}`) : new UsageError("--profile profiles/NAME.yaml is required with --host");
  const port = Number(a.port ?? cfg["aiws:port"] ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw a.port !== undefined ? new UsageError(`--port ${a.port} is not a TCP port (1 to 65535)`) : new InputError(`stack ${a.stack}: aiws:port ${cfg["aiws:port"]} is not a TCP port; set it with: pulumi config set aiws:port 22 --stack ${a.stack}`);
  }
  let identityFile = a.identity;
  if (identityFile && !existsSync(identityFile)) throw new InputError(`--identity ${identityFile}: no such file; name the private key file (ls ~/.ssh)`);
  if (!identityFile && cfg["aiws:sshPrivateKey"]) {
    const dir = mkdtempSync(join(tmpdir(), "aiws-key-"));
    identityFile = join(dir, "id");
    writeFileSync(identityFile, cfg["aiws:sshPrivateKey"].endsWith("\n") ? cfg["aiws:sshPrivateKey"] : `${cfg["aiws:sshPrivateKey"]}\n`, { mode: 0o600 });
  }
  const hostKey = cfg["aiws:hostKey"];
  return {
    ssh: { host, port, user: a.user ?? cfg["aiws:user"] ?? "root", ...(identityFile ? { identityFile } : {}), ...(hostKey ? { hostKey } : {}) },
    profile,
    ...(a.stack ? { stack: a.stack } : {}),
  };
}

async function stackConfig(stack: string): Promise<Record<string, string>> {
  const r = await $({ nothrow: true, quiet: true })`pulumi config --json --show-secrets --stack ${stack}`;
  if (r.exitCode !== 0) {
    const why = r.exitCode === 127 || /ENOENT|not found/.test(r.stderr) ? "the Pulumi CLI is not installed (docs/pulumi-up.md, step 2, installs it)" : r.stderr.trim().split("\n").pop();
    throw new InputError(`cannot read the config of stack ${stack}: ${why}`);
  }
  const parsed = JSON.parse(r.stdout) as Record<string, { value?: unknown }>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v.value === "string" ? v.value : JSON.stringify(v.value)]));
}
