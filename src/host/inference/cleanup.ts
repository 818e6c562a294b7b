/**
 * The inference concern's two clean-up steps: the units the profile no longer names go first
 * (their GPU memory comes back before anything new starts), the runtime versions no service
 * uses any more go last (once every service has moved on).
 */
import type { Profile } from "../../profile/schema/profile.js";
import type { InferenceService } from "../../profile/schema/inference.js";
import type { Step } from "../../step/step.js";
import { INFERENCE_STEP_IDS, body, step } from "./stepParts.js";
import { PATHS, llamaCppPrefix, ollamaPrefix, unitName, vllmVenv } from "./units.js";
import { vllmBuild } from "./releases.js";

/** Inference units the profile no longer names, stopped and removed. */
export function staleUnitsStep(profile: Profile, after: readonly string[]): Step {
  return step({
    id: INFERENCE_STEP_IDS.staleUnits,
    title: "Inference units the profile no longer names are stopped and removed",
    after: [...after],
    ...body("stale-units"),
    vars: { KEEP_UNITS: profile.inference.services.map(unitName).join("\n"), UNIT_DIR: PATHS.unitDir },
  });
}

/** Runtime versions under /opt/aiws the profile no longer uses, removed once every service has moved on. */
export function staleRuntimesStep(profile: Profile, after: string[]): Step {
  const cfg = profile.inference;
  const uses = (r: InferenceService["runtime"]) => cfg.services.some((s) => s.runtime === r);
  const keep = [
    ...(uses("vllm") ? [vllmVenv(vllmBuild(cfg.runtimes.vllm, profile.nvidia.cudaVersion))] : []),
    ...(uses("ollama") ? [ollamaPrefix(cfg.runtimes.ollama.version)] : []),
    ...(uses("llama.cpp") && cfg.runtimes.llamaCpp.binary === undefined ? [llamaCppPrefix(cfg.runtimes.llamaCpp.version)] : []),
  ];
  return step({
    id: INFERENCE_STEP_IDS.staleRuntimes,
    title: "Runtime versions the profile no longer uses are removed from /opt/aiws",
    after,
    ...body("stale-runtimes"),
    vars: { KEEP_DIRS: keep.join("\n"), RUNTIME_ROOTS: [PATHS.vllmRoot, PATHS.ollamaRoot, PATHS.llamaCppRoot].join(" ") },
  });
}
