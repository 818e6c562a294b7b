/**
 * The Debian packages the lab needs on the machine that runs it. CI runs as root on a fresh
 * Debian 12, so `up` installs whatever is missing, and touches apt not at all otherwise.
 */
import { sh } from "./processes.js";

export const hostPackages = [
  "qemu-system-x86", // the VM, under software emulation (KVM hangs on these machines)
  "qemu-utils", // qemu-img: the per-run qcow2 overlays
  "debootstrap", // the guest image
  "e2fsprogs", // mkfs.ext4 -d: a disk image without a loop device
  "dpkg-dev", // dpkg-scanpackages: the stand-in apt repository's index
  "gnupg", // signs that repository
  "openssh-client", // ssh, ssh-keygen
  "iproute2", // ip netns, veth, bridge, tap
  "util-linux", // unshare: private mount namespaces for the build and the NAS
  "python3", // http.server serves the repository to the guest
  "zstd", // lab/inference/build.sh: the Ollama stand-in is a .tar.zst, as Ollama's releases are
] as const;

/** The packages from `wanted` that dpkg does not report as installed. */
async function missingPackages(wanted: readonly string[] = hostPackages): Promise<string[]> {
  const r = await sh({ nothrow: true })`dpkg-query -W -f=${"${Package} ${db:Status-Status}\n"} ${wanted}`;
  const installed = new Set(
    r.stdout
      .split("\n")
      .map((l) => l.trim().split(" "))
      .filter(([, status]) => status === "installed")
      .map(([name]) => name),
  );
  return wanted.filter((p) => !installed.has(p));
}

/** Installs the lab's host packages that are missing; returns what it installed. */
export async function ensureHostPackages(): Promise<string[]> {
  const missing = await missingPackages();
  if (missing.length === 0) return [];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await sh({ env })`apt-get update -qq`;
  await sh({ env })`apt-get install -y -qq --no-install-recommends ${missing}`;
  return missing;
}
