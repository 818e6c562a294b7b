import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { tryLoadProfile } from "../profile/load.js";
import { readYaml } from "../profile/source.js";
import type { Profile } from "../profile/schema/profile.js";
import { powerLines } from "./power.js";
import { profileVramBudget } from "./vramModels.js";

/** An order of the roadmap's steps (0-based indices) that keeps every step within budget, or why there is none. */
export type Reordering = { readonly kind: "found"; readonly order: readonly number[] } | { readonly kind: "none"; readonly reason: string };

/** Orders tried at most; eight steps have 5040 orders after the first, most cut short early. */
const MAX_CHECKS = 3000;

/**
 * Searches the orders of the steps (the first, the machine the owner has, stays first) for one
 * whose every step fits. Each step is what its file says beyond its parent; applied in another
 * order they are chained through temporary files, so the loader merges them exactly as it
 * merges the real ones. An order counts only when it ends at the same machine.
 */
export function findOrder(files: readonly string[]): Reordering {
  const last = load(files[files.length - 1]!);
  if (!last || !fits(last)) return { kind: "none", reason: "the last step is refused on its own, so no order of these steps fits; change the steps themselves (see its ways out)" };
  const deltas = files.map((f) => {
    const data = { ...(readYaml(f, f).source?.data as Record<string, unknown>) };
    delete data.extends;
    return data;
  });
  const target = machine(last);
  const dir = mkdtempSync(join(tmpdir(), "aiws-roadmap-"));
  const cache = new Map<string, boolean>();
  let checks = 0;
  let written = 0;
  try {
    const chain = (parent: string, i: number): { file: string; profile?: Profile } => {
      const file = join(dir, `step-${written++}.yaml`);
      writeFileSync(file, stringify({ ...deltas[i], extends: parent }));
      return { file, profile: load(file) };
    };
    const search = (parent: string, order: number[], left: number[]): number[] | undefined => {
      if (left.length === 0) return order;
      for (const i of left) {
        if (++checks > MAX_CHECKS) return undefined;
        const { file, profile } = chain(parent, i);
        if (!profile) continue;
        const key = JSON.stringify(machine(profile));
        const ok = cache.get(key) ?? fits(profile);
        cache.set(key, ok);
        if (!ok) continue;
        const rest = left.filter((j) => j !== i);
        if (rest.length === 0 && key !== JSON.stringify(target)) continue;
        const found = search(file, [...order, i], rest);
        if (found) return found;
      }
      return undefined;
    };
    const order = search(files[0]!, [0], files.map((_, i) => i).slice(1));
    if (order) return { kind: "found", order };
    return {
      kind: "none",
      reason: checks > MAX_CHECKS ? `no order found within ${MAX_CHECKS} tries` : "every order of these steps has a step that is refused; change the steps themselves",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function load(file: string): Profile | undefined {
  return tryLoadProfile(file).loaded?.profile;
}

/** What the owner would have on the desk: the profile without its name and description. */
function machine(p: Profile): unknown {
  const { name: _n, description: _d, ...rest } = p;
  return rest;
}

/** Every budget line within its limit (no ways out: only the verdict is needed here). */
function fits(p: Profile): boolean {
  return powerLines(p.hardware, p.budget).lines.every((l) => l.ok) && profileVramBudget(p).lines.every((l) => l.ok);
}
