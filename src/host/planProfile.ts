import { checkProfileFile, type CheckReport } from "../budget/check.js";
import { CONCERNS, planSteps } from "./plan.js";
import type { Concern } from "../step/concern.js";
import type { Step } from "../step/step.js";

/** A profile file checked and planned. */
interface PlannedProfile {
  /** Validation and every budget; `profile` is set unless it is invalid. */
  readonly report: CheckReport;
  /** The plan, in order ([] when the profile is invalid). */
  readonly steps: Step[];
}

/**
 * The one composition of profile -> budgets -> plan, for every entry point (the Pulumi program,
 * drift, plan, switch, the benchmarks): the profile loaded and validated, its budgets checked,
 * its plan made. A valid profile is planned even when a budget refuses it, since switch shows
 * what a refused target would change and drift reads a host against it; the program and
 * `npm run plan` stop on anything but `ok`.
 */
export function planProfile(file: string, concerns: readonly Concern[] = CONCERNS): PlannedProfile {
  const report = checkProfileFile(file);
  return { report, steps: report.profile ? planSteps(report.profile, concerns) : [] };
}
