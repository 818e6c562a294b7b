import type { Profile } from "../../profile/schema/profile.js";
import type { InferenceService } from "../../profile/schema/inference.js";
import { isUnder, storageMountpoints } from "../../profile/schema/storage.js";
import type { Concern } from "../../step/concern.js";
import type { Step } from "../../step/step.js";
import { secretFileVar } from "../../step/render.js";
import { BASE_STEP_IDS, CUDA_STEP_IDS, NVIDIA_STEP_IDS } from "../shared.js";
import {
  LLM_USER,
  OLLAMA_USER,
  PATHS,
  healthUrl,
  llamaCppPrefix,
  llamaServerBinary,
  localAddress,
  modelDirs,
  ollamaPrefix,
  serviceUnit,
  startTimeout,
  unitName,
  vllmVenv,
} from "./units.js";
import { llamaCppBuild, ollamaRelease, vllmBuild, vllmRequirement } from "./releases.js";
import { GPU_EXEC_TEXT, INFERENCE_SECRETS, INFERENCE_STEP_IDS, body, gpuExecDefinition, sh, step } from "./stepParts.js";
import { staleRuntimesStep, staleUnitsStep } from "./cleanup.js";

export { GPU_EXEC_TEXT, INFERENCE_SECRETS, INFERENCE_STEP_IDS };

/**
 * The inference concern: each service of the profile's `inference` section as a systemd unit
 * that comes back after a reboot, its runtime pinned (vLLM in a venv, Ollama from a release
 * tarball, llama.cpp built from a release tag), model weights on the data volume. The VRAM
 * budget has refused any profile whose services do not fit before these steps exist.
 *
 * Steps, in order: stale units out (their GPU memory goes back), base (user, directories,
 * aiws-gpu-exec), secrets (API key file), one install step per runtime in use, one step per
 * service, stale runtime versions out.
 */

/** Packages vLLM's install needs beyond the base system (llama.cpp's come with its catalog entry: src/host/inference/releases.ts). */
const RUNTIME_PACKAGES = {
  vllm: ["python3-venv", "python3-dev", "gcc"],
} as const;

interface InferenceStepOptions {
  /** Steps of other concerns the first inference step waits for (the driver, the CUDA toolkit, the data mount). */
  readonly after?: readonly string[];
}

/** The mountpoint of the profile's data volume that holds the models directory ("" when none does). */
export function modelsMount(profile: Profile): string {
  const points = profile.storage ? storageMountpoints(profile.storage) : [];
  const dir = profile.inference.modelsDir;
  return points.filter((p) => isUnder(dir, p)).sort((a, b) => b.length - a.length)[0] ?? "";
}

/** Every step of the inference concern for a profile; with no services, only the clean-up steps remain. */
export function inferenceSteps(profile: Profile, opts: InferenceStepOptions = {}): Step[] {
  const cfg = profile.inference;
  const services = cfg.services;
  const ids = INFERENCE_STEP_IDS;
  const uses = (r: InferenceService["runtime"]) => services.some((s) => s.runtime === r);
  const needsLlmUser = uses("vllm") || uses("llama.cpp");
  const keyed = services.filter((s) => s.runtime !== "ollama");
  const secrets = [
    ...(cfg.apiKey && keyed.length > 0 ? [INFERENCE_SECRETS.apiKey] : []),
    ...(cfg.huggingFaceToken && keyed.length > 0 ? [INFERENCE_SECRETS.huggingFaceToken] : []),
  ];
  const dirs = modelDirs(cfg);
  const mount = modelsMount(profile);
  const llamaBuild = cfg.runtimes.llamaCpp.binary === undefined;

  const steps: Step[] = [];
  steps.push(staleUnitsStep(profile, opts.after ?? []));
  if (services.length === 0) {
    steps.push(staleRuntimesStep(profile, [ids.staleUnits]));
    return steps;
  }

  steps.push(
    step({
      id: ids.base,
      title: `Inference base: ${needsLlmUser ? `user ${LLM_USER.name}, ` : ""}${cfg.modelsDir} and ${PATHS.gpuExec}`,
      after: [ids.staleUnits],
      ...body("base", `\n${gpuExecDefinition()}`),
      vars: {
        MODELS_DIR: cfg.modelsDir,
        MODELS_MOUNT: mount,
        CONF_DIR: PATHS.confDir,
        GPU_EXEC: PATHS.gpuExec,
        LLM_USER: needsLlmUser ? LLM_USER.name : "",
        LLM_HOME: LLM_USER.home,
        LLM_DIRS: needsLlmUser ? [dirs.huggingFace, dirs.llamaCpp].join(" ") : "",
      },
    }),
  );
  const installs: string[] = [];

  if (secrets.length > 0) {
    steps.push(
      step({
        id: ids.secrets,
        title: `Inference secrets (${secrets.join(", ")}) in ${PATHS.secretsEnv}, root only`,
        after: [ids.base],
        ...body("secrets", `\n${sh("./secrets.lib.sh")}`),
        vars: {
          SECRETS_ENV: PATHS.secretsEnv,
          API_KEY_VAR: secrets.includes(INFERENCE_SECRETS.apiKey) ? secretFileVar(INFERENCE_SECRETS.apiKey) : "",
          HF_TOKEN_VAR: secrets.includes(INFERENCE_SECRETS.huggingFaceToken) ? secretFileVar(INFERENCE_SECRETS.huggingFaceToken) : "",
          SECRET_UNITS: keyed.map(unitName).join(" "),
        },
        secrets,
      }),
    );
    installs.push(ids.secrets);
  }

  if (uses("vllm")) {
    const v = cfg.runtimes.vllm;
    const pip = vllmRequirement(v, profile.nvidia.cudaVersion);
    const build = vllmBuild(v, profile.nvidia.cudaVersion);
    steps.push(
      step({
        id: ids.vllm,
        title: `vLLM ${build} in ${vllmVenv(build)}`,
        after: [ids.base],
        ...body("vllm"),
        vars: {
          VLLM_VERSION: v.version,
          VLLM_REQUIREMENT: pip.requirement,
          VLLM_BUILD: build,
          VLLM_VENV: vllmVenv(build),
          VLLM_PIP_INDEX: v.pipIndexUrl ?? "",
          VLLM_EXTRA_INDEX: v.pipIndexUrl === undefined ? pip.extraIndex : "",
          VLLM_SHA256: v.sha256 ?? "",
          VLLM_PACKAGES: RUNTIME_PACKAGES.vllm.join(" "),
          LLM_USER: LLM_USER.name,
        },
      }),
    );
    installs.push(ids.vllm);
  }

  if (uses("ollama")) {
    const o = cfg.runtimes.ollama;
    const download = ollamaRelease(o);
    steps.push(
      step({
        id: ids.ollama,
        title: `Ollama ${o.version} in ${ollamaPrefix(o.version)}, user ${OLLAMA_USER.name}, models in ${dirs.ollama}`,
        after: [ids.base],
        ...body("ollama"),
        vars: {
          OLLAMA_VERSION: o.version,
          OLLAMA_URL: download.url,
          OLLAMA_SHA256: download.sha256,
          OLLAMA_PREFIX: ollamaPrefix(o.version),
          OLLAMA_USER: OLLAMA_USER.name,
          OLLAMA_HOME: OLLAMA_USER.home,
          OLLAMA_MODELS_DIR: dirs.ollama,
          MODELS_DIR: cfg.modelsDir,
          MODELS_MOUNT: mount,
        },
      }),
    );
    installs.push(ids.ollama);
  }

  if (uses("llama.cpp")) {
    const l = cfg.runtimes.llamaCpp;
    const build = llamaCppBuild(l);
    steps.push(
      step({
        id: ids.llamaCpp,
        title: llamaBuild ? `llama.cpp ${l.version} llama-server, built with CUDA (${build.cudaArchitectures})` : `llama.cpp server at ${l.binary}`,
        after: [ids.base],
        ...body("llamacpp"),
        vars: {
          LLAMACPP_VERSION: l.version,
          LLAMACPP_URL: build.url,
          LLAMACPP_SHA256: build.sha256,
          LLAMACPP_PREFIX: llamaCppPrefix(l.version),
          LLAMACPP_BINARY: llamaServerBinary(cfg),
          LLAMACPP_BUILD: llamaBuild ? "1" : "0",
          LLAMACPP_PACKAGES: build.packages.join(" "),
          LLAMACPP_CMAKE_FLAGS: build.cmakeFlags.join(" "),
          CUDA_HOME: `/usr/local/cuda-${profile.nvidia.cudaVersion}`,
          CUDA_ARCHS: build.cudaArchitectures,
          LLM_USER: LLM_USER.name,
        },
      }),
    );
    installs.push(ids.llamaCpp);
  }

  const serviceIds: string[] = [];
  for (const s of services) {
    const runtimeStep = s.runtime === "vllm" ? ids.vllm : s.runtime === "ollama" ? ids.ollama : ids.llamaCpp;
    const keyedHere = s.runtime !== "ollama" && secrets.length > 0;
    const pull = s.runtime === "ollama" && s.pull !== false ? s.source : "";
    const id = ids.service(s);
    steps.push(
      step({
        id,
        title: `${unitName(s)}: ${s.model} ${s.quantization} on ${s.gpus.length > 0 ? `GPU ${s.gpus.join(", ")}` : "the CPU"}, port ${s.port}`,
        after: [ids.base, runtimeStep, ...(keyedHere ? [ids.secrets] : [])],
        ...body("service"),
        vars: {
          UNIT_NAME: unitName(s),
          UNIT_FILE: `${PATHS.unitDir}/${unitName(s)}`,
          UNIT_TEXT: serviceUnit(s, cfg, keyedHere, profile.nvidia.cudaVersion).trimEnd(),
          HEALTH_URL: healthUrl(s),
          HEALTH_TIMEOUT: "5",
          START_TIMEOUT: String(startTimeout(s)),
          API_URL: `http://${localAddress(s)}:${s.port}`,
          PULL_MODEL: pull,
          MODELS_DIR: cfg.modelsDir,
          MODELS_MOUNT: mount,
        },
      }),
    );
    serviceIds.push(id);
  }

  steps.push(staleRuntimesStep(profile, serviceIds));
  return steps;
}

/**
 * What the inference steps wait for in the whole plan: the base packages, the /data layout
 * (itself after the storage mount), and with GPUs the driver and the CUDA toolkit
 * (llama.cpp builds against it).
 */
function platformAfter(profile: Profile): string[] {
  return [
    BASE_STEP_IDS.packages,
    BASE_STEP_IDS.data,
    ...(profile.hardware.gpus.length > 0 ? [NVIDIA_STEP_IDS.driver, CUDA_STEP_IDS.toolkit] : []),
  ];
}

/** Models served as systemd services; converged after everything else (driver, CUDA, storage). */
export const inferenceConcern: Concern = {
  name: "inference",
  steps: (profile) => inferenceSteps(profile, { after: platformAfter(profile) }),
};
