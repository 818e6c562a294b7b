import { scriptsBeside } from "../../step/scripts.js";
import type { Profile } from "../../profile/schema/profile.js";
import type { Concern } from "../../step/concern.js";
import { defineStep, type Step } from "../../step/step.js";
import { NVIDIA_LIB } from "../nvidia/index.js";
import { CUDA_STEP_IDS, NVIDIA_STEP_IDS } from "../shared.js";
import { textFunction } from "../base/lib.js";
import { DEFAULT_NVIDIA_REPO_URL, cudaToolkitPackage } from "../nvidia/packages.js";

const sh = scriptsBeside(import.meta.url);

const LIB = `${NVIDIA_LIB}\n${sh("./cuda.lib.sh")}`;
const TOOLKIT = { check: sh("./toolkit.check.sh"), apply: sh("./toolkit.apply.sh"), remove: sh("./toolkit.remove.sh") };
const PROFILE = { check: sh("./profile.check.sh"), apply: sh("./profile.apply.sh"), remove: sh("./profile.remove.sh") };
const PROFILE_TEMPLATE = sh("./profile.d-cuda.sh");

/** Blackwell (sm_120) needs CUDA 12.8 or later: the profile schema refuses less, and the checks refuse it on the host too. */
export const BLACKWELL_MIN_CUDA = "12.8";


/** `/usr/local/cuda-12.8`: where NVIDIA's cuda-toolkit-12-8 package installs. */
const cudaHome = (cudaVersion: string) => `/usr/local/cuda-${cudaVersion}`;

/** The /etc/profile.d/cuda.sh aiws writes for a CUDA version. */
export function cudaProfileScript(cudaVersion: string): string {
  return PROFILE_TEMPLATE.replaceAll("@CUDA_HOME@", cudaHome(cudaVersion)).replaceAll("@CUDA_VERSION@", cudaVersion).trimEnd();
}

const withLib = (body: { check: string; apply: string; remove: string }, extra = "") => ({
  check: `${LIB}\n${extra}${body.check}`,
  apply: `${LIB}\n${extra}${body.apply}`,
  remove: `${LIB}\n${extra}${body.remove}`,
});

function cudaVars(profile: Profile) {
  const v = profile.nvidia.cudaVersion;
  const blackwell = profile.hardware.gpus.some((g) => g.architecture === "blackwell");
  return { CUDA_VERSION: v, CUDA_HOME: cudaHome(v), MIN_CUDA: blackwell ? BLACKWELL_MIN_CUDA : "" };
}

function toolkitStep(profile: Profile): Step {
  return defineStep("cuda", {
    id: CUDA_STEP_IDS.toolkit,
    title: `CUDA toolkit ${profile.nvidia.cudaVersion} (${cudaToolkitPackage(profile.nvidia.cudaVersion)})`,
    after: [NVIDIA_STEP_IDS.driver],
    ...withLib(TOOLKIT),
    vars: {
      OS_RELEASE: "/etc/os-release",
      NVIDIA_REPO_URL: profile.nvidia.repoUrl ?? DEFAULT_NVIDIA_REPO_URL,
      CUDA_PACKAGE: cudaToolkitPackage(profile.nvidia.cudaVersion),
      ...cudaVars(profile),
    },
  });
}

function profileStep(profile: Profile): Step {
  return defineStep("cuda", {
    id: CUDA_STEP_IDS.profile,
    title: `CUDA ${profile.nvidia.cudaVersion} on PATH and LD_LIBRARY_PATH for login shells (/etc/profile.d/cuda.sh)`,
    after: [CUDA_STEP_IDS.toolkit],
    ...withLib(PROFILE, textFunction("aiws_text_profile", cudaProfileScript(profile.nvidia.cudaVersion))),
    vars: {
      ...cudaVars(profile),
      PROFILE_FILE: "/etc/profile.d/cuda.sh",
      ETC_PROFILE: "/etc/profile",
    },
  });
}

/** The CUDA toolkit pinned to the profile's version, on every login shell's PATH. After the driver. */
export const cudaConcern: Concern = {
  name: "cuda",
  steps: (profile) => (profile.hardware.gpus.length === 0 ? [] : [toolkitStep(profile), profileStep(profile)]),
};
