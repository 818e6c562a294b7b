import type { Profile } from "../profile/schema/profile.js";
import type { Step } from "./step.js";

/**
 * A concern is one area of host configuration (base tuning, the NVIDIA driver, storage, ...):
 * a pure function from the profile to its steps. The plan (plan.ts) is every concern's steps,
 * in order; the concerns import this, never the plan.
 */
export interface Concern {
  /** Short name; also the Pulumi component that parents the concern's commands. */
  readonly name: string;
  readonly steps: (profile: Profile) => Step[];
}
