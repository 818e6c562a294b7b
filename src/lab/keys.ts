/**
 * The lab's SSH keys, made once and kept in .lab/keys:
 * - the lab key: root and `aiws` on the guest, root on the NAS;
 * - the NAS key: the `aiws-backup` account on the NAS (what a profile's backup uses);
 * - the NAS host key, so clients can pin it in known_hosts.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { paths } from "./config.js";
import { sh } from "./processes.js";


async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  await sh`rm -f ${file} ${file}.pub`;
  await sh`ssh-keygen -q -t ed25519 -N ${""} -C ${comment} -f ${file}`;
}

export async function ensureKeys(): Promise<void> {
  mkdirSync(paths.keysDir, { recursive: true, mode: 0o700 });
  await ensureKey(paths.labKey, "aiws-lab");
  await ensureKey(paths.nasKey, "aiws-lab-backup");
  await ensureKey(paths.nasHostKey, "aiws-lab-nas-host");
}

/** "ssh-ed25519 AAAA…" without the comment. */
export function publicKey(file: string): string {
  const [type, key] = readFileSync(file, "utf8").trim().split(/\s+/);
  return `${type} ${key}`;
}
