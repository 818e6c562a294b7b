/**
 * What may be passed to ssh as a user or a host. ssh reads an argument that starts with `-`
 * as an option wherever it stands before the destination: `--user '-oProxyCommand=...'` ran a
 * command on this machine. Both are checked here and, besides, always passed as `-l USER`
 * and after `--` (sshDestination), so a value can only ever be a user or a host.
 */

/** A login name as useradd accepts it (a trailing `$` is a Samba machine account). */
const USER = /^[a-z_][a-z0-9_.-]*\$?$/i;
/** A DNS name, an IPv4 address, or an IPv6 address (optionally bracketed, with a zone). */
const HOST = /^([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?|\[?[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?\]?)$/;

/** Why `user` cannot be an SSH login name, or undefined when it can. */
export function sshUserProblem(user: string): string | undefined {
  if (user.startsWith("-")) return `${JSON.stringify(user)} starts with "-", which ssh would read as an option`;
  if (!USER.test(user) || user.length > 64) return `${JSON.stringify(user)} is not a user name (letters, digits, _ . -)`;
  return undefined;
}

/** Why `host` cannot be an SSH host, or undefined when it can. */
export function sshHostProblem(host: string): string | undefined {
  if (host.startsWith("-")) return `${JSON.stringify(host)} starts with "-", which ssh would read as an option`;
  if (!HOST.test(host) || host.length > 253) return `${JSON.stringify(host)} is not a host name or IP address`;
  return undefined;
}

/**
 * The arguments that name where ssh connects, last before the remote command: the user by
 * `-l`, the port by `-p`, and the host after `--`, where ssh parses no more options.
 * Throws on a user or host that cannot be one (callers check first and say how to fix it).
 */
export function sshDestination(user: string, host: string, port: number): string[] {
  const problem = sshUserProblem(user) ?? sshHostProblem(host);
  if (problem) throw new Error(`refusing to run ssh: ${problem}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`refusing to run ssh: port ${port} is not a TCP port`);
  return ["-l", user, "-p", String(port), "--", host];
}
