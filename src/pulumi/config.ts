import * as pulumi from "@pulumi/pulumi";
import { fingerprintHowto, HOST_KEY_LINE } from "../ssh/hostTrust.js";
import { sshHostProblem, sshUserProblem } from "../ssh/validate.js";

/** The program's inputs, as read from the stack's config (or given directly by a test). */
export interface WorkstationConfig {
  /** Path of the hardware profile, relative to the repository root (or absolute). */
  readonly profile: string;
  /** Address of the workstation. */
  readonly host: string;
  /** SSH login user: `root`, or a user with passwordless sudo. */
  readonly user: string;
  /** SSH port. */
  readonly port: number;
  /** OpenSSH private key (the file's content). Handled as a secret whatever is given. */
  readonly sshPrivateKey: pulumi.Input<string>;
  /** The host's public key, `ssh-ed25519 AAAA...`: required unless `insecureIgnoreHostKey`. */
  readonly hostKey?: string;
  /** The owner's explicit choice to skip the host key check (`aiws:insecureIgnoreHostKey: true`); warned about on every run. */
  readonly insecureIgnoreHostKey?: boolean;
  /**
   * A request to run steps again, `id,id@stamp` (`aiws:repair`, written by the repair command
   * the drift check prints): each named step's script carries the stamp, so Pulumi runs it.
   */
  readonly repair?: string;
  /** Values of the secrets the plan's steps list, by name; absent ones are read from `aiws:<name>`. */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** The config namespace: the project's name in Pulumi.yaml. */
export const NAMESPACE = "aiws";

/** What each key is, and how to set it: the text of the one message a missing or wrong key gets. */
const KEYS = {
  profile: { what: "the hardware profile to apply, relative to the repository root", set: "pulumi config set aiws:profile profiles/base.yaml" },
  host: { what: "the workstation's address", set: "pulumi config set aiws:host 192.168.1.50" },
  user: { what: "the SSH login user (root, or a user with passwordless sudo)", set: "pulumi config set aiws:user aiws" },
  port: { what: "the SSH port, a whole number from 1 to 65535", set: "pulumi config set aiws:port 22" },
  sshPrivateKey: { what: "the SSH private key, stored as a secret", set: "pulumi config set --secret aiws:sshPrivateKey < ~/.ssh/aiws_ed25519" },
  repair: {
    what: "a request to run steps again, `step-id,step-id@stamp`, as the drift check's repair command writes it",
    set: "pulumi config rm aiws:repair (or run the repair command the drift check prints)",
  },
  hostKey: {
    what: "the workstation's SSH host key, `ssh-ed25519 AAAA...`",
    set: "pulumi config set aiws:hostKey \"$(ssh-keyscan -t ed25519 HOST 2>/dev/null | cut -d' ' -f2-)\"",
  },
  insecureIgnoreHostKey: {
    what: "true to skip the host key check (anyone answering at aiws:host would receive every script as root, and the secrets)",
    set: "pulumi config rm aiws:insecureIgnoreHostKey, and set aiws:hostKey instead",
  },
} as const;
type ConfigKey = keyof typeof KEYS;

/**
 * A pulumi.RunError: the language host prints its message alone, never a stack. Its stack is
 * cut to the message too: the host still formats it (util.inspect with colors, for tracing),
 * and on the frames of a program loaded through tsx that formatting was seen to spin for tens
 * of seconds before it failed with "RangeError: Invalid string length".
 */
export function runError(message: string): pulumi.RunError {
  const e = new pulumi.RunError(message);
  e.stack = `RunError: ${message}`;
  return e;
}

/** The one message for a key that is missing or wrong: the key, what it is, the command that fixes it. */
function configError(key: ConfigKey, problem: string): pulumi.RunError {
  const k = KEYS[key];
  return runError(`aiws:${key} ${problem}: it is ${k.what}. Fix: ${k.set}`);
}

/**
 * A stack without aiws:hostKey: the provider would then not check the host key at all, and
 * whoever answers at aiws:host would receive every step script as root with the secrets it
 * carries. Refused, with how to read the fingerprint on the console and pin the key.
 */
function hostKeyRefusal(host: string): pulumi.RunError {
  return runError(
    [
      `aiws:hostKey is not set: without it nothing checks that ${host} is your workstation, and every step runs there as root with the stack's secrets.`,
      fingerprintHowto(host, `pulumi config set aiws:hostKey "$(cat ws.hostkey)"`),
      "To run without the check anyway (not recommended): pulumi config set aiws:insecureIgnoreHostKey true",
    ].join("\n"),
  );
}

/** A secret a step needs that the stack does not hold. */
export function secretConfigError(name: string, stepIds: readonly string[]): pulumi.RunError {
  return runError(
    `aiws:${name} is not set: it is a secret that step ${stepIds.join(", ")} needs. Fix: pulumi config set --secret aiws:${name} '...' (or < FILE)`,
  );
}

const REPAIR = /^[a-z0-9][a-z0-9-]*(,[a-z0-9][a-z0-9-]*)*@[A-Za-z0-9.:+-]+$/;

/**
 * Reads and checks the stack's config (`aiws:*`). A missing or wrong key throws one
 * pulumi.RunError naming the key and the command that fixes it; nothing is registered.
 */
export function readWorkstationConfig(cfg: pulumi.Config = new pulumi.Config(NAMESPACE)): WorkstationConfig {
  const str = (key: ConfigKey): string | undefined => {
    const v = cfg.get(key);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const portText = str("port") ?? "22";
  if (!/^\d+$/.test(portText)) throw configError("port", `is ${JSON.stringify(portText)}`);
  // Read as text to check its shape now, before any resource exists; wrapped as a secret at once.
  const key = cfg.get("sshPrivateKey");
  const hostKey = str("hostKey");
  const repair = str("repair");
  const insecure = str("insecureIgnoreHostKey");
  if (insecure !== undefined && insecure !== "true" && insecure !== "false") throw configError("insecureIgnoreHostKey", `is ${JSON.stringify(insecure)}, not true or false`);
  const checked = checkWorkstationConfig({
    profile: str("profile") ?? "",
    host: str("host") ?? "",
    user: str("user") ?? "root",
    port: Number(portText),
    sshPrivateKey: key ?? "",
    ...(hostKey ? { hostKey } : {}),
    ...(repair ? { repair } : {}),
    ...(insecure === "true" ? { insecureIgnoreHostKey: true } : {}),
  });
  return { ...checked, sshPrivateKey: pulumi.secret(key ?? "") };
}

/** Checks a config given directly (tests, the e2e harness) the way readWorkstationConfig checks the stack's. */
export function checkWorkstationConfig(c: WorkstationConfig): WorkstationConfig {
  if (!c.profile) throw configError("profile", "is not set");
  if (!c.host) throw configError("host", "is not set");
  if (sshHostProblem(c.host)) throw configError("host", `is ${JSON.stringify(c.host)}, which is not a host name or address`);
  if (sshUserProblem(c.user)) throw configError("user", `is ${JSON.stringify(c.user)}, which is not a user name`);
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) throw configError("port", `is ${c.port}`);
  const key = c.sshPrivateKey;
  if (typeof key === "string") {
    if (key.trim() === "") throw configError("sshPrivateKey", "is not set");
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
      throw configError("sshPrivateKey", `does not hold a private key (${key.startsWith("ssh-") ? "that is a public key" : "no -----BEGIN ... PRIVATE KEY----- line"})`);
    }
  }
  if (c.hostKey !== undefined && !HOST_KEY_LINE.test(c.hostKey)) throw configError("hostKey", "is not an SSH public key line");
  if (c.hostKey === undefined && !c.insecureIgnoreHostKey) throw hostKeyRefusal(c.host);
  if (c.repair !== undefined && !REPAIR.test(c.repair)) throw configError("repair", `is ${JSON.stringify(c.repair)}`);
  return c;
}

/** A secret the plan needs, from the stack's config; undefined when the stack does not hold it. */
export function readSecret(name: string, cfg: pulumi.Config = new pulumi.Config(NAMESPACE)): pulumi.Output<string> | undefined {
  return cfg.getSecret(name);
}
