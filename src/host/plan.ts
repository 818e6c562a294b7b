import type { Profile } from "../profile/schema/profile.js";
import type { Step } from "./step.js";
import type { Concern } from "./concern.js";
import { baseConcern, dataLayoutConcern } from "./base/index.js";
import { nvidiaConcern } from "./nvidia/index.js";
import { cudaConcern } from "./cuda/index.js";
import { gpuPowerConcern } from "./power/index.js";
import { storageConcern } from "./storage/index.js";
import { backupConcern } from "./backup/index.js";
import { inferenceConcern } from "./inference/index.js";

export type { Concern };

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

/** The whole plan for a profile, checked (checkPlanOrder). */
export function planSteps(profile: Profile, concerns: readonly Concern[] = CONCERNS): Step[] {
  const steps = concerns.flatMap((c) => c.steps(profile));
  checkPlanOrder(steps);
  return steps;
}

/**
 * The one check of a plan's order, for every driver: step ids are unique, every `after` names
 * an earlier step, and a concern's steps are together (Pulumi parents them in one component).
 * The plan runs in this order; `after` adds nothing to it but the check.
 */
export function checkPlanOrder(steps: readonly Step[]): void {
  const seen = new Set<string>();
  const concerns: string[] = [];
  for (const s of steps) {
    if (seen.has(s.id)) throw new Error(`plan: duplicate step id ${s.id}`);
    for (const dep of s.after) {
      if (!seen.has(dep)) throw new Error(`plan: step ${s.id} runs after ${dep}, which is not an earlier step`);
    }
    if (concerns.at(-1) !== s.concern) {
      if (concerns.includes(s.concern)) throw new Error(`plan: the steps of concern ${s.concern} are not together (${s.id} comes after another concern's steps)`);
      concerns.push(s.concern);
    }
    seen.add(s.id);
  }
}
