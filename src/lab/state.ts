/** What `up` started and where: .lab/state.json, the one record `down` and `status` read. */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { paths } from "./config.js";

export interface LabDisk {
  readonly serial: string;
  /** The guest's stable name for the disk. */
  readonly byId: string;
  /** The qcow2 file backing it on the host. */
  readonly file: string;
}

export interface LabState {
  readonly startedAt: string;
  /** `disk`: GRUB boots the guest's own kernel and initrd (reboots load what it rebuilt). */
  readonly boot: "disk" | "direct";
  readonly image: { readonly hash: string; readonly dir: string };
  readonly network: {
    readonly subnet: string;
    readonly hostIp: string;
    readonly namespaces: readonly string[];
  };
  readonly guest: {
    readonly ip: string;
    readonly hostname: string;
    readonly users: readonly string[];
    readonly qemuPid: number;
    readonly serialLog: string;
    readonly qmpSocket: string;
    readonly disks: readonly LabDisk[];
  };
  readonly nas: {
    readonly ip: string;
    readonly user: string;
    readonly backupDir: string;
    /** The same directory seen from the host (through the NAS sshd's /proc/PID/root: the volume is in the NAS's mount namespace). */
    readonly hostBackupDir: string;
    /** A line for the guest's known_hosts that pins the NAS host key. */
    readonly knownHostsLine: string;
    readonly sshdPidFile: string;
  };
  readonly repo: {
    readonly url: string;
    /** `deb [signed-by=…] URL /`, the source line for the lab's repository (the nvidia-repo step writes the same). */
    readonly sourcesLine: string;
    readonly guestKeyring: string;
    readonly hostKeyring: string;
    readonly keyringDebUrl: string;
    readonly httpPid: number;
  };
  readonly keys: {
    readonly lab: string;
    readonly nas: string;
    readonly nasPub: string;
    readonly knownHosts: string;
    readonly sshConfig: string;
  };
  /** Seconds per phase of the `up` that made this state. */
  readonly timings: Readonly<Record<string, number>>;
}

export function readState(): LabState | undefined {
  if (!existsSync(paths.state)) return undefined;
  try {
    return JSON.parse(readFileSync(paths.state, "utf8")) as LabState;
  } catch {
    return undefined;
  }
}

export function writeState(state: LabState): void {
  writeFileSync(`${paths.state}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${paths.state}.tmp`, paths.state);
}

export function clearState(): void {
  rmSync(paths.state, { force: true });
}
