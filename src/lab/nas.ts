/**
 * The NAS peer: sshd in its own network namespace, chrooted into an overlay of the guest
 * image's root tree (lab/nas/start-nas.sh). Backups land in the overlay's upper layer, which
 * the host can read directly.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nas, net, paths } from "./config.js";
import type { GuestImage } from "./image.js";
import { isAlive, sh, sleep } from "./processes.js";


export const nasPidFile = join(paths.nasDir, "upper", "run", "sshd-nas.pid");
export const nasHostBackupDir = join(paths.nasDir, "upper", nas.backupDir.replace(/^\//, ""));

export async function startNas(image: GuestImage): Promise<number> {
  await sh`ip netns exec ${net.nasNetns} unshare --mount --uts --propagation private ${join(paths.scripts, "nas", "start-nas.sh")} ${image.rootfs} ${paths.nasDir} ${net.nasIp} ${`${paths.nasKey}.pub`} ${paths.nasHostKey}`;
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
