import { NVIDIA_STEP_IDS, STATE_DIR } from "../shared.js";
import { scriptsBeside } from "../../step/scripts.js";
import type { Profile } from "../../profile/schema/profile.js";
import type { Concern } from "../../step/concern.js";
import { defineStep, type Step } from "../../step/step.js";
import { AIWS_LIB, withLib } from "../base/lib.js";
import {
  CUDA_KEYRING,
  DEFAULT_NVIDIA_REPO_URL,
  DRIVER_PACKAGE_GLOBS,
  NVIDIA_DISTROS,
  driverPackages,
} from "./packages.js";

const sh = scriptsBeside(import.meta.url);

/** Functions every nvidia, cuda and gpu-power script starts with (distro detection, dpkg helpers). */
export const NVIDIA_LIB = `${AIWS_LIB}\n${sh("./lib.sh")}`;
const DRIVER_LIB = sh("./driver.lib.sh");

const KEYRING_LIB = sh("./keyring.sh");
const REPO = { check: `${KEYRING_LIB}\n${sh("./repo.check.sh")}`, apply: `${KEYRING_LIB}\n${sh("./repo.apply.sh")}`, remove: sh("./repo.remove.sh") };
const NOUVEAU = { check: sh("./nouveau.check.sh"), apply: sh("./nouveau.apply.sh"), remove: sh("./nouveau.remove.sh") };
const DRIVER = { check: sh("./driver.check.sh"), apply: sh("./driver.apply.sh"), remove: sh("./driver.remove.sh") };

/** Where the steps keep what they must remember (what they installed, held, recorded). */


/** `nvidia-*` -> `^nvidia-.*$`, for awk and unattended-upgrades (which match regular expressions). */
function globToRegex(glob: string): string {
  return `^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`;
}

/** The apt preferences that keep every driver package on the branch (priority 1000 also allows going back to it). */
export function driverPinText(branch: string): string {
  return [
    `# Written by aiws (${NVIDIA_STEP_IDS.driver}): keep the NVIDIA driver on branch ${branch}.`,
    "# apt-mark hold keeps the installed build; this pin keeps apt from choosing another branch.",
    `Package: ${DRIVER_PACKAGE_GLOBS.join(" ")}`,
    `Pin: version ${branch}.*`,
    "Pin-Priority: 1000",
  ].join("\n");
}

/** The unattended-upgrades drop-in that keeps it off the driver (an upgrade under a running driver breaks NVML until a reboot). */
export function unattendedUpgradesText(): string {
  return [
    `// Written by aiws (${NVIDIA_STEP_IDS.driver}): unattended-upgrades never upgrades the NVIDIA driver;`,
    "// a driver upgraded under the running module breaks NVML until a reboot. aiws upgrades it.",
    "Unattended-Upgrade::Package-Blacklist {",
    ...DRIVER_PACKAGE_GLOBS.map((g) => `    "${globToRegex(g)}";`),
    "};",
  ].join("\n");
}

const NOUVEAU_BLACKLIST_TEXT = [
  `# Written by aiws (${NVIDIA_STEP_IDS.nouveau}): the NVIDIA driver needs the GPUs; nouveau must not bind them.`,
  "blacklist nouveau",
  "options nouveau modeset=0",
].join("\n");

const common = (profile: Profile) => ({
  OS_RELEASE: "/etc/os-release",
  NVIDIA_REPO_URL: profile.nvidia.repoUrl ?? DEFAULT_NVIDIA_REPO_URL,
  STATE_DIR,
});

function repoStep(profile: Profile): Step {
  return defineStep("nvidia", {
    id: NVIDIA_STEP_IDS.repo,
    title: "NVIDIA's CUDA apt repository (its checked signing key, not the cuda-keyring package), for Ubuntu 24.04 or Debian 12",
    after: ["base-packages"],
    ...withLib(NVIDIA_LIB, REPO),
    vars: {
      ...common(profile),
      KEYRING_PACKAGE: CUDA_KEYRING.package,
      KEYRING_FILE: CUDA_KEYRING.file,
      KEYRING_IN_PACKAGE: CUDA_KEYRING.keyring,
      KEYRING_GPG: CUDA_KEYRING.keyring,
      REPO_KEY_FINGERPRINTS: profile.nvidia.repoKeyFingerprints === "trust-on-first-use" ? "trust-on-first-use" : profile.nvidia.repoKeyFingerprints.map((f) => f.toUpperCase()).join("\n"),
      SOURCES_DIR: "/etc/apt/sources.list.d",
      APT_SOURCE_FILE: "/etc/apt/sources.list.d/aiws-nvidia-cuda.list",
    },
  });
}

function nouveauStep(profile: Profile): Step {
  return defineStep("nvidia", {
    id: NVIDIA_STEP_IDS.nouveau,
    title: "nouveau blacklisted, initramfs rebuilt",
    after: [],
    ...withLib(NVIDIA_LIB, NOUVEAU),
    vars: {
      STATE_DIR: common(profile).STATE_DIR,
      MODPROBE_FILE: "/etc/modprobe.d/aiws-blacklist-nouveau.conf",
      MODPROBE_TEXT: NOUVEAU_BLACKLIST_TEXT,
    },
  });
}

function driverStep(profile: Profile): Step {
  const branch = profile.nvidia.driverBranch;
  const perDistro: Record<string, string> = {};
  for (const d of NVIDIA_DISTROS) {
    const p = driverPackages(branch, d);
    perDistro[`DRIVER_PACKAGES_${d.toUpperCase()}`] = p.install.join(" ");
    perDistro[`MODULE_PACKAGE_${d.toUpperCase()}`] = p.modulePackage;
  }
  return defineStep("nvidia", {
    id: NVIDIA_STEP_IDS.driver,
    title: `NVIDIA driver ${branch} (open kernel modules), pinned, held, kept from unattended-upgrades`,
    after: [NVIDIA_STEP_IDS.repo, NVIDIA_STEP_IDS.nouveau],
    ...withLib(`${NVIDIA_LIB}\n${DRIVER_LIB}`, DRIVER),
    vars: {
      ...common(profile),
      DRIVER_BRANCH: branch,
      ...perDistro,
      HOLD_REGEX: `^(${DRIVER_PACKAGE_GLOBS.map((g) => globToRegex(g).slice(1, -1)).join("|")})$`,
      PIN_FILE: "/etc/apt/preferences.d/aiws-nvidia-driver",
      PIN_TEXT: driverPinText(branch),
      UU_FILE: "/etc/apt/apt.conf.d/51aiws-nvidia-unattended-upgrades",
      UU_TEXT: unattendedUpgradesText(),
      MOK_KEYS: "/var/lib/dkms/mok.pub /var/lib/shim-signed/mok/MOK.der",
      DRIVER_PROC_VERSION: "/proc/driver/nvidia/version",
    },
    reboot: "if-needed",
  });
}

/** The NVIDIA driver: repository, nouveau out of the way, the pinned open-module driver. */
export const nvidiaConcern: Concern = {
  name: "nvidia",
  steps: (profile) => (profile.hardware.gpus.length === 0 ? [] : [repoStep(profile), nouveauStep(profile), driverStep(profile)]),
};
