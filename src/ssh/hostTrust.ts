import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { knownHostsEntry } from "./knownHosts.js";

/**
 * One host-trust policy for every command that logs in to the workstation as root:
 * - `pinned`: the key the stack (aiws:hostKey) or `--host-key` names, and no other;
 * - `known-hosts`: the user's own known_hosts, strictly (a host not in it is refused: no
 *   trust on first use, which would hand root's scripts and the backup secrets to whoever
 *   answered first);
 * - `insecure`: no check at all, only when the stack says aiws:insecureIgnoreHostKey: true,
 *   and never silently (a warning each time).
 */
export type HostTrust = { readonly kind: "pinned"; readonly hostKey: string } | { readonly kind: "known-hosts" } | { readonly kind: "insecure" };

/** `ssh-ed25519 AAAA...` and the other OpenSSH public key types, with an optional comment. */
export const HOST_KEY_LINE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+=*( [^\n\r]*)?$/;

/**
 * How to read the host key's fingerprint where it cannot be forged (the workstation's console),
 * fetch the key once, compare, and pin what was compared. `use` is the command that pins the
 * key file `ws.hostkey` (a stack setting, or a --host-key argument).
 */
export function fingerprintHowto(host: string, use: string): string {
  return [
    "On the workstation's own console (not over the network), read its host key fingerprint:",
    "  ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub",
    "Here, fetch the key once and print the fingerprint of what was fetched:",
    `  ssh-keyscan -t ed25519 ${host} 2>/dev/null | cut -d' ' -f2- > ws.hostkey`,
    "  ssh-keygen -lf ws.hostkey",
    "Only when the two SHA256:... fingerprints are the same, pin the key:",
    `  ${use}`,
  ].join("\n");
}

/** The warning the insecure opt-out prints every time it is used. */
export const INSECURE_WARNING =
  "WARNING: aiws:insecureIgnoreHostKey is true: the workstation's host key is not checked, so anyone who can answer for its address receives every script as root and the secrets they carry. Pin the key with aiws:hostKey.";

/** ssh -o options for a policy; a pinned key is written, with its host, to `dir`/known_hosts. */
export function hostTrustOptions(trust: HostTrust, dir: string, host: string, port: number): string[] {
  switch (trust.kind) {
    case "pinned": {
      const file = join(dir, "known_hosts");
      writeFileSync(file, `${knownHostsEntry(host, port, trust.hostKey.split(" ").slice(0, 2).join(" "))}\n`, { mode: 0o600 });
      return ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${file}`, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "UpdateHostKeys=no"];
    }
    case "known-hosts":
      return ["-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=no"];
    case "insecure":
      return ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null"];
  }
}
