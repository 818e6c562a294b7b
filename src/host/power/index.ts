import { scriptsBeside } from "../../step/scripts.js";
import type { Profile } from "../../profile/schema/profile.js";
import type { Concern } from "../../step/concern.js";
import { defineStep, type Step } from "../../step/step.js";
import { NVIDIA_LIB } from "../nvidia/index.js";
import { NVIDIA_STEP_IDS, STATE_DIR, STATE_DIRECTORY } from "../shared.js";
import { PERSISTENCED_PACKAGE } from "../nvidia/packages.js";
import { textFunction } from "../base/lib.js";
import { sandboxDirectives } from "../sandbox.js";

const sh = scriptsBeside(import.meta.url);

/** The program the step installs and the boot unit runs: `gpu-power-limits apply|check|restore [CONF]`. */
export const GPU_POWER_LIMITS_PROGRAM = sh("./gpu-power-limits.sh").trimEnd();
const LIMITS = { check: sh("./limits.check.sh"), apply: sh("./limits.apply.sh"), remove: sh("./limits.remove.sh") };
const LIMITS_LIB = `${NVIDIA_LIB}\n${textFunction("aiws_text_program", GPU_POWER_LIMITS_PROGRAM)}`;
const PERSISTENCED = { check: sh("./persistenced.check.sh"), apply: sh("./persistenced.apply.sh"), remove: sh("./persistenced.remove.sh") };

const POWER_STEP_IDS = { persistenced: "nvidia-persistenced", limits: "gpu-power-limits" } as const;

/** Where the step writes; the unit and the config name each other. */
export const POWER_PATHS = {
  program: "/usr/local/lib/aiws/gpu-power-limits",
  conf: "/etc/aiws/gpu-power-limits.conf",
  unitName: "aiws-gpu-power-limits.service",
  unit: "/etc/systemd/system/aiws-gpu-power-limits.service",
  previous: `${STATE_DIR}/gpu-power-limits.previous`,
  persistencedDropIn: "/etc/systemd/system/nvidia-persistenced.service.d/aiws-persistence-mode.conf",
} as const;

/** Tries and spacing of the boot-time apply: limits have been seen to reset while the driver comes up. */
const POWER_LIMIT_RETRIES = { attempts: 5, delayS: 3 } as const;

/**
 * The config the program reads: one `gpu COUNT WATTS|default NAME` line per hardware.gpus
 * entry. An entry without powerLimitW gets `default`: the card keeps its own limit.
 */
export function gpuPowerLimitsConf(profile: Profile, opts: { previous?: string; attempts?: number; delayS?: number } = {}): string {
  return [
    `# Written by aiws (${POWER_STEP_IDS.limits}) from profile ${profile.name}: the power limit of each GPU.`,
    "# gpu COUNT WATTS|default NAME: COUNT GPUs that nvidia-smi names NAME, matched in PCI bus order and",
    "# addressed by UUID. \"default\": the profile sets no limit; the card keeps its own.",
    `attempts ${opts.attempts ?? POWER_LIMIT_RETRIES.attempts}`,
    `delay_s ${opts.delayS ?? POWER_LIMIT_RETRIES.delayS}`,
    `previous ${opts.previous ?? POWER_PATHS.previous}`,
    ...profile.hardware.gpus.map((g) => `gpu ${g.count} ${g.powerLimitW ?? "default"} ${g.name}`),
  ].join("\n");
}

/** The boot unit: after nvidia-persistenced (which keeps the driver, and so the limits, loaded). */
export function gpuPowerLimitsUnit(): string {
  return [
    "# Written by aiws (gpu-power-limits): sets each GPU's power limit at boot.",
    "[Unit]",
    `Description=aiws: GPU power limits from ${POWER_PATHS.conf}`,
    "After=nvidia-persistenced.service",
    "Wants=nvidia-persistenced.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=${POWER_PATHS.program} apply ${POWER_PATHS.conf}`,
    "TimeoutStartSec=5min",
    "# nvidia-smi -pl needs root with CAP_SYS_ADMIN (the driver's admin check) and the NVIDIA",
    "# devices; the program writes only the limits it replaced.",
    STATE_DIRECTORY,
    ...sandboxDirectives({ readWritePaths: [], devices: "gpu", noNetwork: true, capabilities: ["CAP_SYS_ADMIN"] }),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
}

/** nvidia-persistenced started in persistence mode, as NVIDIA's ansible driver role overrides it. */
const PERSISTENCED_DROPIN = [
  "# Written by aiws (nvidia-persistenced): persistence mode on, so the driver stays loaded and",
  "# the power limits are not reset when the GPUs go idle (as NVIDIA's ansible driver role does).",
  "[Service]",
  "ExecStart=",
  "ExecStart=/usr/bin/nvidia-persistenced --persistence-mode --verbose",
].join("\n");

function persistencedStep(): Step {
  return defineStep("gpu-power", {
    id: POWER_STEP_IDS.persistenced,
    title: "nvidia-persistenced in persistence mode, enabled",
    after: [NVIDIA_STEP_IDS.driver],
    check: `${NVIDIA_LIB}\n${PERSISTENCED.check}`,
    apply: `${NVIDIA_LIB}\n${PERSISTENCED.apply}`,
    remove: `${NVIDIA_LIB}\n${PERSISTENCED.remove}`,
    vars: {
      STATE_DIR,
      SERVICE: "nvidia-persistenced.service",
      PERSISTENCED_PACKAGE,
      PERSISTENCED_BIN: "/usr/bin/nvidia-persistenced",
      DROPIN_FILE: POWER_PATHS.persistencedDropIn,
      DROPIN_TEXT: PERSISTENCED_DROPIN,
    },
  });
}

function limitsStep(profile: Profile): Step {
  const set = profile.hardware.gpus.filter((g) => g.powerLimitW !== undefined);
  const title = set.length
    ? `GPU power limits (${set.map((g) => `${g.count} x ${g.powerLimitW} W`).join(", ")}), kept across reboots`
    : "GPU power limits: the cards' defaults (the profile sets none), kept across reboots";
  return defineStep("gpu-power", {
    id: POWER_STEP_IDS.limits,
    title,
    after: [profile.nvidia.persistence ? POWER_STEP_IDS.persistenced : NVIDIA_STEP_IDS.driver],
    check: `${LIMITS_LIB}\n${LIMITS.check}`,
    apply: `${LIMITS_LIB}\n${LIMITS.apply}`,
    remove: `${LIMITS_LIB}\n${LIMITS.remove}`,
    vars: {
      PROGRAM: POWER_PATHS.program,
      CONF_FILE: POWER_PATHS.conf,
      CONF_TEXT: gpuPowerLimitsConf(profile),
      UNIT_NAME: POWER_PATHS.unitName,
      UNIT_FILE: POWER_PATHS.unit,
      UNIT_TEXT: gpuPowerLimitsUnit(),
    },
  });
}

/** Persistence mode and each GPU's power limit, set now and at every boot. */
export const gpuPowerConcern: Concern = {
  name: "gpu-power",
  steps: (profile) => {
    if (profile.hardware.gpus.length === 0) return [];
    return profile.nvidia.persistence ? [persistencedStep(), limitsStep(profile)] : [limitsStep(profile)];
  },
};
