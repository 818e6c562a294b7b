/**
 * The package names and repository URLs the nvidia, cuda and gpu-power steps use, in one
 * place: the steps read them from here, and the VM lab mirrors them in its stand-in apt
 * repository (lab/apt/standins.list). Change a name here and the lab must follow.
 *
 * Why branch 580 by default (profile.nvidia.driverBranch): it is NVIDIA's long-term branch,
 * supported to mid-2028, and the first to carry CUDA 13.0; Blackwell (the RTX PRO 6000)
 * needs 570 or later with the open kernel modules, so 570/575 would work but have shorter
 * support. 580 is also the last branch whose Ubuntu packages carry the branch in their name.
 */

/** The NVIDIA CUDA repository directories aiws supports, chosen on the host from /etc/os-release. */
export const NVIDIA_DISTROS = ["ubuntu2404", "debian12"] as const;
type NvidiaDistro = (typeof NVIDIA_DISTROS)[number];

/** /etc/os-release `ID:VERSION_ID` for each supported repository directory. */
const OS_RELEASE_IDS: Readonly<Record<NvidiaDistro, string>> = {
  ubuntu2404: "ubuntu:24.04",
  debian12: "debian:12",
};

/**
 * NVIDIA's CUDA apt repository; `{distro}` is replaced on the host by `ubuntu2404` or
 * `debian12`. A profile may point elsewhere with `nvidia.repoUrl` (the lab's mirror).
 */
export const DEFAULT_NVIDIA_REPO_URL = "https://developer.download.nvidia.com/compute/cuda/repos/{distro}/x86_64/";

/** The keyring package NVIDIA publishes at the root of each repository directory. */
export const CUDA_KEYRING = {
  package: "cuda-keyring",
  version: "1.1-1",
  file: "cuda-keyring_1.1-1_all.deb",
  /** The keyring inside the package: the one file aiws takes from it (after checking its keys). */
  keyring: "/usr/share/keyrings/cuda-archive-keyring.gpg",
} as const;

/** The repository URL for one distro: the template with `{distro}` filled in, ending in `/`. */
export function nvidiaRepoUrl(template: string, distro: NvidiaDistro): string {
  const url = template.replaceAll("{distro}", distro);
  return url.endsWith("/") ? url : `${url}/`;
}

/** What the driver step installs, pins, holds and checks for one branch on one distro. */
interface DriverPackages {
  /** Installed with `apt-get install`, in this order (the pinning package first, when there is one). */
  readonly install: readonly string[];
  /**
   * NVIDIA's branch-locking package (from 590 on the package names no longer carry the
   * branch; this package's apt preferences keep the host on it). Null up to 580, where the
   * names lock the branch on Ubuntu and aiws's own pin does it on Debian.
   */
  readonly pinningPackage: string | null;
  /** The package that builds the kernel module with DKMS; its version is the driver's. */
  readonly modulePackage: string;
}

/**
 * The driver packages for a branch (three digits) on a distro: the one place the naming
 * rules live.
 *
 * - Ubuntu 24.04, up to 580: the branch is in the names: `nvidia-open-580` pulls
 *   `nvidia-driver-580-open` and `nvidia-dkms-580-open`.
 * - Ubuntu from 590: the branch is dropped from the names (`nvidia-open`,
 *   `nvidia-dkms-open`) and `nvidia-driver-pinning-<branch>` locks the branch; NVIDIA
 *   advises installing it before the driver.
 * - Debian 12: NVIDIA's debian12 repository never carried the branch in the names that
 *   matter (`cuda-drivers-580` depends on `nvidia-driver (>= 580...)` and so drifts to newer
 *   branches): `nvidia-open` with the branch held by apt preferences (aiws's own pin, plus
 *   `nvidia-driver-pinning-<branch>` from 590 on).
 *
 * Only the open kernel modules: Blackwell runs on nothing else, and the profile schema
 * refuses `kernelModules: proprietary` with a Blackwell card.
 */
export function driverPackages(branch: string, distro: NvidiaDistro): DriverPackages {
  if (!/^\d{3}$/.test(branch)) throw new Error(`driverPackages: a branch is three digits, like 580 (got ${JSON.stringify(branch)})`);
  const named = Number(branch) <= 580;
  const pinningPackage = named ? null : `nvidia-driver-pinning-${branch}`;
  const withPin = (pkgs: string[]) => (pinningPackage ? [pinningPackage, ...pkgs] : pkgs);
  if (distro === "ubuntu2404") {
    return named
      ? { install: [`nvidia-open-${branch}`], pinningPackage, modulePackage: `nvidia-dkms-${branch}-open` }
      : { install: withPin(["nvidia-open"]), pinningPackage, modulePackage: "nvidia-dkms-open" };
  }
  return { install: withPin(["nvidia-open"]), pinningPackage, modulePackage: "nvidia-kernel-open-dkms" };
}

/**
 * Package-name patterns of the driver (not of CUDA, the toolkit or the container toolkit):
 * what the apt preferences pin and the unattended-upgrades blacklist cover. Every package
 * from NVIDIA's driver build is versioned `<branch>.<minor>.<patch>`.
 */
export const DRIVER_PACKAGE_GLOBS = [
  "nvidia-*",
  "libnvidia-*",
  "libcuda1",
  "libcudadebugger1",
  "libnvcuvid1",
  "libnvidia-encode1",
  "libnvoptix1",
  "libxnvctrl*",
  "xserver-xorg-video-nvidia*",
  "firmware-nvidia-*",
  "cuda-drivers*",
] as const;

/** The CUDA toolkit package for `major.minor`: `cuda-toolkit-12-8`. */
export function cudaToolkitPackage(cudaVersion: string): string {
  if (!/^\d{2}\.\d$/.test(cudaVersion)) throw new Error(`cudaToolkitPackage: a CUDA version is major.minor, like 12.8 (got ${JSON.stringify(cudaVersion)})`);
  return `cuda-toolkit-${cudaVersion.replace(".", "-")}`;
}

/** The persistence daemon; the driver packages usually bring it, the gpu-power step installs it when not. */
export const PERSISTENCED_PACKAGE = "nvidia-persistenced";

/**
 * Everything the lab's stand-in repository must serve for a profile's driver branch and CUDA
 * version, per distro: the repository URL, the keyring file at its root, and the packages.
 */
export function nvidiaRepoManifest(opts: { branch: string; cudaVersion: string; repoUrl?: string | undefined }) {
  const template = opts.repoUrl ?? DEFAULT_NVIDIA_REPO_URL;
  return NVIDIA_DISTROS.map((distro) => {
    const driver = driverPackages(opts.branch, distro);
    return {
      distro,
      osRelease: OS_RELEASE_IDS[distro],
      repoUrl: nvidiaRepoUrl(template, distro),
      keyringUrl: `${nvidiaRepoUrl(template, distro)}${CUDA_KEYRING.file}`,
      packages: [CUDA_KEYRING.package, ...driver.install, driver.modulePackage, PERSISTENCED_PACKAGE, cudaToolkitPackage(opts.cudaVersion)],
    };
  });
}
