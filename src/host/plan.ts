import type { Profile } from "../profile/schema/profile.js";
import type { Step } from "../step/step.js";
import type { Concern } from "../step/concern.js";
import { checkPlanOrder } from "../step/order.js";
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
