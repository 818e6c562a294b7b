import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";

/** How every command reaches the workstation: one SSH login, the same for every step. */
export interface SshConnectionArgs {
  /** Address of the workstation (name or IP). */
  readonly host: pulumi.Input<string>;
  /** SSH port. */
  readonly port: pulumi.Input<number>;
  /** Login user: `root`, or a user with passwordless sudo (every script then runs under `sudo -n`). */
  readonly user: string;
  /** OpenSSH private key (the file's content). Always handled as a Pulumi secret. */
  readonly privateKey: pulumi.Input<string>;
  /**
   * The host's public key, `ssh-ed25519 AAAA...` (as `ssh-keyscan` prints it, without the host
   * name). When absent the provider does not check the host key at all, so the program leaves
   * it out only when the owner set aiws:insecureIgnoreHostKey (src/pulumi/config.ts).
   */
  readonly hostKey?: pulumi.Input<string>;
}

/**
 * Dial settings. The provider retries a failed dial (TCP or SSH handshake) with a backoff that
 * grows by 1.5x from 100 ms to at most 5 s between tries (pulumi-command
 * provider/pkg/provider/remote/connection.go `dialWithRetry`, on pulumi/pulumi
 * sdk/go/common/util/retry `Until`), each try bounded by `perDialTimeout` seconds.
 */
export interface DialSettings {
  /** Failed dials allowed before the command fails; -1 is unlimited. Provider default 10. */
  readonly dialErrorLimit: number;
  /** Seconds one dial may take. Provider default 15. */
  readonly perDialTimeout: number;
}

/** A host on the LAN that answers at once: the provider's defaults, stated (about a minute of retries). */
export const NORMAL_DIAL: DialSettings = { dialErrorLimit: 10, perDialTimeout: 15 };

/**
 * Waiting for a host that reboots: every dial fails while it shuts down, posts (a Threadripper
 * PRO with 192 GB of RDIMMs trains memory for minutes) and boots. 120 failed dials is at least
 * 120 x 5 s = 10 minutes when the host refuses at once, and up to about 40 minutes when each
 * dial runs into its 15 s timeout.
 */
export const REBOOT_DIAL: DialSettings = { dialErrorLimit: 120, perDialTimeout: 15 };

/** The `connection` input of a remote.Command. The SDK also wraps the whole of it as a secret. */
export function connectionInput(args: SshConnectionArgs, dial: DialSettings = NORMAL_DIAL): command.types.input.remote.ConnectionArgs {
  return {
    host: args.host,
    port: args.port,
    user: args.user,
    privateKey: pulumi.secret(args.privateKey),
    ...(args.hostKey !== undefined ? { hostKey: args.hostKey } : {}),
    dialErrorLimit: dial.dialErrorLimit,
    perDialTimeout: dial.perDialTimeout,
  };
}

/**
 * The command that runs a script given on stdin: `bash -s` as root, else `sudo -n bash -s`
 * (`-n`: fail at once with "a password is required" rather than wait for one nobody types).
 */
export function shellCommand(user: string): string {
  return user === "root" ? "bash -s" : "sudo -n bash -s";
}
