/**
 * What every inference step is made of: its id, the stack secrets it may read, its three
 * bodies (NAME.{check,apply,remove}.sh behind lib.sh) and the defaults of the concern's steps.
 */
import { scriptsBeside } from "../../step/scripts.js";
import type { InferenceService } from "../../profile/schema/inference.js";
import { defineStep, type Step, type StepFields } from "../../step/step.js";

/** A script beside this file, as text. */
export const sh = scriptsBeside(import.meta.url);
const LIB = sh("./lib.sh");

/** A step's three bodies from NAME.{check,apply,remove}.sh behind the shared helpers; `extra` goes before check and apply. */
export const body = (name: string, extra = "") => ({
  check: `${LIB}${extra}\n${sh(`./${name}.check.sh`)}`,
  apply: `${LIB}${extra}\n${sh(`./${name}.apply.sh`)}`,
  remove: `${LIB}\n${sh(`./${name}.remove.sh`)}`,
});

/** The launcher every GPU unit starts through (installed by inference-base). */
export const GPU_EXEC_TEXT = sh("./gpu-exec.sh").trimEnd();

/** GPU_EXEC_TEXT for the base step's bodies: a quoted here-document, so nothing in it expands. */
export function gpuExecDefinition(): string {
  return `GPU_EXEC_TEXT=$(cat <<'AIWS_GPU_EXEC'\n${GPU_EXEC_TEXT}\nAIWS_GPU_EXEC\n)`;
}

/** Stack secrets the inference steps read. */
export const INFERENCE_SECRETS = { apiKey: "inferenceApiKey", huggingFaceToken: "huggingFaceToken" } as const;

export const INFERENCE_STEP_IDS = {
  staleUnits: "inference-stale-units",
  base: "inference-base",
  secrets: "inference-secrets",
  vllm: "inference-vllm",
  ollama: "inference-ollama",
  llamaCpp: "inference-llamacpp",
  staleRuntimes: "inference-stale-runtimes",
  service: (s: InferenceService) => `inference-svc-${s.name}`,
} as const;

/** An inference step: never reboots, never destroys, reads no secret unless it says so. */
export const step = (s: StepFields): Step => defineStep("inference", s);
