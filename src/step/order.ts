import type { Step } from "./step.js";

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
