/**
 * One known_hosts line: the host as OpenSSH writes it (`host`, or `[host]:port` off port 22),
 * then the key (`ssh-ed25519 AAAA...`). Used for the workstation's pinned key (hostTrust.ts,
 * the test engine) and the NAS's (the backup's known_hosts, src/host/backup/hostFiles.ts).
 */
export function knownHostsEntry(host: string, port: number, key: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${key}`;
}
