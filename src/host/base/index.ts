import { BASE_STEP_IDS, STATE_DIR, STORAGE_MOUNTED } from "../shared.js";
import { mountsData } from "../storage/steps.js";
import { scriptsBeside } from "../../step/scripts.js";
import type { Profile } from "../../profile/schema/profile.js";
import type { Concern } from "../../step/concern.js";
import { defineStep, type Step, type StepFields } from "../../step/step.js";
import { sandboxDirectives } from "../sandbox.js";
import { AIWS_LIB, textFunction, withLib } from "./lib.js";
import { packagesStep } from "../packages/index.js";

const sh = scriptsBeside(import.meta.url);
const scripts = (name: string, lib = AIWS_LIB) => withLib(lib, { check: sh(`./${name}.check.sh`), apply: sh(`./${name}.apply.sh`), remove: sh(`./${name}.remove.sh`) });

/**
 * The reference build's toolset (the packet's 05_SOFTWARE_SETUP list plus its monitoring and
 * troubleshooting tools), as packages that Debian 12 and Ubuntu 24.04 both carry under these
 * names: btop rather than nvtop (nvtop is in Debian's contrib on 12), curl with its CA bundle.
 */
export const BASE_PACKAGES = [
  "build-essential",
  "git",
  "curl",
  "ca-certificates",
  "wget",
  "vim",
  "htop",
  "btop",
  "lm-sensors",
  "iotop",
  "nethogs",
  "fio",
  "smartmontools",
  "nvme-cli",
  "python3-venv",
  "python3-pip",
  "cmake",
  "pciutils",
  "net-tools",
] as const;

const BASE_TUNING = { governor: "performance", nofile: 1048576, swappiness: 10 } as const;

/** The folders data-layout makes under /data (datasets and models, by stage), relative to it, parents first. */
export const DATA_DIRS = [
  "datasets",
  "datasets/raw",
  "datasets/processed",
  "datasets/temp",
  "models",
  "models/base",
  "models/fine-tuned",
  "models/checkpoints",
] as const;

/** The script the cpu-governor unit runs: `cpu-governor GOVERNOR [CPU_SYSFS_DIR]`. */
export const CPU_GOVERNOR_SCRIPT = sh("./cpu-governor.sh").trimEnd();

const step = (s: StepFields): Step => defineStep("base", s);

export function cpuGovernorUnit(governor: string = BASE_TUNING.governor): string {
  return [
    "# Written by aiws (cpu-governor): every CPU's cpufreq governor at boot.",
    "[Unit]",
    `Description=aiws: CPU frequency governor ${governor}`,
    "# Machines without cpufreq (most VMs) have no governor: the unit skips itself there.",
    "ConditionPathExists=/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/usr/local/lib/aiws/cpu-governor ${governor}`,
    // Root writing root-owned sysfs files needs no capability; nothing else is needed.
    ...sandboxDirectives({ readWritePaths: [], devices: "none", kernelTunables: true, noNetwork: true }),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
}

function basePackagesStep(): Step {
  return packagesStep({
    id: BASE_STEP_IDS.packages,
    title: "Base packages: build tools, git, monitoring and disk tools, Python venv",
    concern: "base",
    packages: BASE_PACKAGES,
  });
}

function governorStep(): Step {
  return step({
    id: BASE_STEP_IDS.governor,
    title: `CPU governor ${BASE_TUNING.governor} at every boot (skipped without cpufreq)`,
    after: [],
    ...scripts("governor", `${AIWS_LIB}\n${textFunction("aiws_text_script", CPU_GOVERNOR_SCRIPT)}`),
    vars: {
      GOVERNOR: BASE_TUNING.governor,
      CPU_DIR: "/sys/devices/system/cpu",
      SCRIPT_FILE: "/usr/local/lib/aiws/cpu-governor",
      UNIT_NAME: "aiws-cpu-governor.service",
      UNIT_FILE: "/etc/systemd/system/aiws-cpu-governor.service",
      UNIT_TEXT: cpuGovernorUnit(),
      STATE_DIR,
    },
  });
}

function nofileStep(): Step {
  const n = BASE_TUNING.nofile;
  return step({
    id: BASE_STEP_IDS.nofile,
    title: `Open files: nofile ${n} soft and hard, for sessions and systemd units`,
    after: [],
    ...scripts("nofile"),
    vars: {
      NOFILE: String(n),
      LIMITS_FILE: "/etc/security/limits.d/90-aiws-nofile.conf",
      // pam_limits: `*` does not cover root, hence its own lines.
      LIMITS_TEXT: [
        "# Written by aiws (nofile-limits): open files for every login session.",
        `*    soft nofile ${n}`,
        `*    hard nofile ${n}`,
        `root soft nofile ${n}`,
        `root hard nofile ${n}`,
      ].join("\n"),
      SYSTEM_DROPIN: "/etc/systemd/system.conf.d/90-aiws-nofile.conf",
      USER_DROPIN: "/etc/systemd/user.conf.d/90-aiws-nofile.conf",
      SYSTEMD_TEXT: ["# Written by aiws (nofile-limits): open files for systemd units.", "[Manager]", `DefaultLimitNOFILE=${n}`].join("\n"),
    },
  });
}

function swappinessStep(): Step {
  const v = BASE_TUNING.swappiness;
  return step({
    id: BASE_STEP_IDS.swappiness,
    title: `vm.swappiness=${v}, now and at every boot`,
    after: [],
    ...scripts("swappiness"),
    vars: {
      SWAPPINESS: String(v),
      SYSCTL_FILE: "/etc/sysctl.d/90-aiws-swappiness.conf",
      SYSCTL_TEXT: ["# Written by aiws (swappiness): keep model weights and datasets in RAM.", `vm.swappiness = ${v}`].join("\n"),
      STATE_DIR,
    },
  });
}

/** The /data directories, after the storage concern has mounted /data when the profile has storage. */
function dataLayoutStep(profile: Profile): Step {
  return defineStep("data-layout", {
    id: BASE_STEP_IDS.data,
    title: "The /data layout: datasets/{raw,processed,temp}, models/{base,fine-tuned,checkpoints}",
    // After the mount, when the storage concern mounts anything (`mounts: []` mounts nothing).
    after: mountsData(profile) ? [STORAGE_MOUNTED] : [],
    ...scripts("data"),
    vars: { DATA_ROOT: "/data", DATA_DIRS: DATA_DIRS.join(" "), STATE_DIR },
  });
}

/** Packages and tuning of the reference build: tools, CPU governor, open-file limits, swappiness. */
export const baseConcern: Concern = {
  name: "base",
  steps: () => [basePackagesStep(), governorStep(), nofileStep(), swappinessStep()],
};

/**
 * The /data directories. A concern of its own because it must come after the storage
 * concern's `storage-mounted` step (plan order: every `after` names an earlier step), while
 * base comes first.
 */
export const dataLayoutConcern: Concern = {
  name: "data-layout",
  steps: (profile) => [dataLayoutStep(profile)],
};
