/**
 * The lab's fixed facts: addresses, device names and paths. Everything lives in network
 * namespaces the lab creates and in the git-ignored `.lab/` directory of this repository.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root (this file is src/lab/config.ts). */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Addresses: one /24 that exists only inside the lab's namespaces and on the host's veth. */
export const net = {
  subnet: "10.200.0.0/24",
  prefix: 24,
  /** The host's end of the lab network; the apt repository listens here. */
  hostIp: "10.200.0.1",
  guestIp: "10.200.0.10",
  nasIp: "10.200.0.20",
  /** Namespace holding the bridge, the VM's tap and qemu itself. */
  labNetns: "aiws-lab",
  nasNetns: "aiws-nas",
  bridge: "aiws-br0",
  tap: "aiws-tap0",
  /** veth pair host <-> bridge. */
  hostVeth: "aiws-host",
  hostVethPeer: "aiws-host-br",
  /** veth pair bridge <-> NAS namespace. */
  nasVeth: "aiws-nas0",
  nasVethPeer: "aiws-nas-br",
  guestMac: "52:54:00:a1:00:10",
  repoPort: 8080,
} as const;

export const guest = {
  hostname: "workstation",
  /** The non-root user the program supports through `sudo -n`. */
  nonRootUser: "aiws",
  memoryMiB: 2048,
  cpus: 2,
  /** NVMe serials: the guest names the disks /dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_<serial>. */
  nvmeSerials: ["AIWSLAB0001", "AIWSLAB0002", "AIWSLAB0003", "AIWSLAB0004"],
  nvmeSize: "4G",
  sshTimeoutMs: 300_000,
  /** Generous: other work on a 2-core host can slow an emulated reboot several times over. */
  rebootTimeoutMs: 300_000,
} as const;

/** The by-id path the guest's udev gives a QEMU NVMe controller's namespace. */
export function nvmeById(serial: string): string {
  return `/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_${serial}`;
}

export const nas = {
  hostname: "nas",
  backupUser: "aiws-backup",
  backupDir: "/srv/backup",
  /**
   * The size of the NAS's backup volume, its own filesystem as a real share is, so that a full
   * NAS is a real "no space left on device" (tests/e2e fill it). Memory-backed (tmpfs), and only
   * what is written takes memory: the e2e suite's backups take under 100 MiB.
   */
  volumeMiB: 512,
} as const;

/** The lab repository mirrors NVIDIA's CUDA repository layout for Debian 12. */
export const repo = {
  path: "debian12/x86_64/",
  /** Where the cuda-keyring stand-in puts the lab's signing key, as the real one does. */
  guestKeyring: "/usr/share/keyrings/cuda-archive-keyring.gpg",
  keyringDeb: "cuda-keyring_1.1-1_all.deb",
} as const;

export function repoUrl(): string {
  return `http://${net.hostIp}:${net.repoPort}/${repo.path}`;
}

const labDir = join(repoRoot, ".lab");

/** Everything the lab writes. `run/` is per `up`; the rest is cached between runs. */
export const paths = {
  labDir,
  state: join(labDir, "state.json"),
  keysDir: join(labDir, "keys"),
  labKey: join(labDir, "keys", "lab_ed25519"),
  nasKey: join(labDir, "keys", "nas_ed25519"),
  nasHostKey: join(labDir, "keys", "nas_host_ed25519_key"),
  knownHosts: join(labDir, "known_hosts"),
  sshConfig: join(labDir, "ssh_config"),
  imagesDir: join(labDir, "images"),
  debootstrapCache: join(labDir, "cache", "debootstrap"),
  aptDir: join(labDir, "apt"),
  aptGnupg: join(labDir, "apt", "gnupg"),
  aptKeyring: join(labDir, "apt", "lab-archive-keyring.gpg"),
  aptPackages: join(labDir, "apt", "packages"),
  aptRoot: join(labDir, "apt", "www"),
  runDir: join(labDir, "run"),
  serialLog: join(labDir, "run", "serial.log"),
  qemuPid: join(labDir, "run", "qemu.pid"),
  qmpSocket: join(labDir, "run", "qmp.sock"),
  httpLog: join(labDir, "run", "http.log"),
  nasDir: join(labDir, "run", "nas"),
  scripts: join(repoRoot, "lab"),
} as const;
