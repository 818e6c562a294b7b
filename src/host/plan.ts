import type { Profile } from "../profile/schema/profile.js";
import type { Step } from "./step.js";
import { baseConcern, dataLayoutConcern } from "./base/index.js";
import { nvidiaConcern } from "./nvidia/index.js";
import { cudaConcern } from "./cuda/index.js";
import { gpuPowerConcern } from "./power/index.js";
import { storageConcern } from "./storage/index.js";
import { backupConcern } from "./backup/index.js";
import { inferenceConcern } from "./inference/index.js";

/**
 * A concern is one area of host configuration (base tuning, the NVIDIA driver, storage, ...):
 * a pure function from the profile to its steps. The plan is every concern's steps, in order.
 */
export interface Concern {
  /** Short name; also the Pulumi component that parents the concern's commands. */
  readonly name: string;
  readonly steps: (profile: Profile) => Step[];
}

/** Every concern, in the order a fresh machine is converged. Each module adds itself here. */
export const CONCERNS: readonly Concern[] = [
  baseConcern,
  nvidiaConcern,
  cudaConcern,
  gpuPowerConcern,
  // before data-layout: data-layout runs after storage's storage-mounted step.
  storageConcern,
  backupConcern,
  dataLayoutConcern,
  // Keep last: models are served once the driver, CUDA and the data volume are in place.
  inferenceConcern,
];

/** The whole plan for a profile. Step ids are unique and every `after` names an earlier step. */
export function planSteps(profile: Profile, concerns: readonly Concern[] = CONCERNS): Step[] {
  const steps = concerns.flatMap((c) => c.steps(profile));
  const seen = new Set<string>();
  for (const s of steps) {
    if (seen.has(s.id)) throw new Error(`plan: duplicate step id ${s.id}`);
    for (const dep of s.after) {
      if (!seen.has(dep)) throw new Error(`plan: step ${s.id} runs after ${dep}, which is not an earlier step`);
    }
    seen.add(s.id);
  }
  return steps;
}
