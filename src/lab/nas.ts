/**
 * The NAS peer: sshd in its own network namespace, chrooted into an overlay of the guest
 * image's root tree (lab/nas/start-nas.sh). Backups land on a volume of its own (a tmpfs of
 * nas.volumeMiB at nas.backupDir, in the NAS's mount namespace), which the host reads through
 * the sshd's /proc/PID/root.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nas, net, paths } from "./config.js";
import type { GuestImage } from "./image.js";
import { isAlive, sh, sleep } from "./processes.js";


export const nasPidFile = join(paths.nasDir, "upper", "run", "sshd-nas.pid");

/** Where the host reads the NAS's backup volume (through the NAS sshd's root), or undefined when the NAS is down. */
export function nasHostBackupDir(): string | undefined {
  const pid = nasPid();
  return pid && isAlive(pid) ? join("/proc", String(pid), "root", nas.backupDir.replace(/^\//, "")) : undefined;
}

export async function startNas(image: GuestImage): Promise<number> {
  await sh`ip netns exec ${net.nasNetns} unshare --mount --uts --propagation private ${join(paths.scripts, "nas", "start-nas.sh")} ${image.rootfs} ${paths.nasDir} ${net.nasIp} ${`${paths.nasKey}.pub`} ${paths.nasHostKey} ${nas.volumeMiB}`;
  for (let i = 0; i < 100; i++) {
    const pid = nasPid();
    if (pid && isAlive(pid)) return pid;
    await sleep(100);
  }
  throw new Error(`the NAS sshd did not start; see ${join(paths.nasDir, "upper", "var", "log", "sshd-nas.log")}`);
}

export function nasPid(): number | undefined {
  if (!existsSync(nasPidFile)) return undefined;
  const pid = Number(readFileSync(nasPidFile, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
