import { loadCatalog, DEFAULT_CATALOG_DIR } from "../profile/catalog.js";
import { ProfileError } from "../profile/problems.js";
import { modelSpecSchema, type ModelSpec } from "../profile/schema/inference.js";
import type { Profile } from "../profile/schema/profile.js";
import type { BudgetResult } from "./types.js";
import { vramBudget, type ModelCatalog } from "./vram.js";

export type { ModelCatalog };

/**
 * Reads profiles/catalog/models.yaml (through the catalog loader, so problems are located
 * like any catalog's) and returns the validated specs. Throws a ProfileError listing every
 * problem when a catalog is broken.
 */
export function loadModels(catalogDir: string = DEFAULT_CATALOG_DIR): ModelCatalog {
  const { catalog, problems } = loadCatalog(catalogDir);
  if (!catalog) throw new ProfileError(problems);
  const out = new Map<string, ModelSpec>();
  for (const [key, raw] of catalog.entries.models) out.set(key, modelSpecSchema.parse(raw));
  return out;
}

/** The VRAM budget of a profile against the shipped model catalog: what `npm run check` registers. */
export function profileVramBudget(profile: Profile, catalogDir?: string): BudgetResult {
  return vramBudget(profile, loadModels(catalogDir));
}
