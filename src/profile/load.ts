import { resolve } from "node:path";
import { profileSchema, type Profile } from "./schema/profile.js";
import { readChain, deepMerge } from "./extends.js";
import { loadCatalog, catalogModels, type Catalog, type CatalogName, DEFAULT_CATALOG_DIR } from "./catalog.js";
import { problemAt, type Path, type YamlSource } from "./source.js";
import { zodProblems } from "./zodProblems.js";
import { modelRefProblems } from "./modelRefs.js";
import { ProfileError, dottedPath, suggestion, type Problem } from "./problems.js";

interface LoadedProfile {
  /** The profile as validated, catalog figures merged in. */
  readonly profile: Profile;
  /** The files it was read from, most derived first. */
  readonly files: readonly string[];
}

interface LoadOptions {
  readonly catalogDir?: string;
}

/** Which parts of the hardware name a catalog model. */
const CATALOG_REFS: { path: Path; list: boolean; catalog: CatalogName; required: boolean }[] = [
  { path: ["hardware", "gpus"], list: true, catalog: "gpus", required: true },
  { path: ["hardware", "cpu"], list: false, catalog: "cpus", required: true },
  { path: ["hardware", "psu"], list: false, catalog: "psus", required: false },
];

/**
 * Reads a profile, follows `extends`, merges catalog figures and validates. Returns the
 * profile or every problem found, each with file, line, column and path.
 */
export function tryLoadProfile(file: string, opts: LoadOptions = {}): { loaded?: LoadedProfile; problems: Problem[] } {
  const { chain, problems: chainProblems } = readChain(resolve(file));
  if (!chain) return { problems: chainProblems };
  const { catalog, problems: catalogProblems } = loadCatalog(opts.catalogDir ?? DEFAULT_CATALOG_DIR);
  if (!catalog) return { problems: catalogProblems };

  const { data, problems, unresolved } = resolveCatalogRefs(chain.merged, chain.sources, catalog);
  problems.push(...modelRefProblems(data, chain.sources, catalog));
  const parsed = profileSchema.safeParse(data);
  if (parsed.success && problems.length === 0) {
    return { loaded: { profile: parsed.data, files: chain.sources.map((s) => s.file) }, problems: [] };
  }
  const fromZod = parsed.success ? [] : zodProblems(parsed.error, chain.sources, profileSchema);
  // An entry whose model is unknown has no catalog figures: zod's complaints about it are noise.
  const relevant = fromZod.filter((p) => !unresolved.some((u) => p.path === u || p.path.startsWith(`${u}.`)));
  return { problems: dedupe([...problems, ...relevant]) };
}

/** Like tryLoadProfile, but throws a ProfileError holding every problem. */
export function loadProfile(file: string, opts: LoadOptions = {}): LoadedProfile {
  const { loaded, problems } = tryLoadProfile(file, opts);
  if (!loaded) throw new ProfileError(problems);
  return loaded;
}

function resolveCatalogRefs(merged: Record<string, unknown>, sources: readonly YamlSource[], catalog: Catalog) {
  const problems: Problem[] = [];
  const unresolved: string[] = [];
  const data = structuredClone(merged);
  for (const ref of CATALOG_REFS) {
    const parent = getIn(data, ref.path.slice(0, -1));
    const key = ref.path[ref.path.length - 1]!;
    if (parent === null || typeof parent !== "object") continue;
    const container = parent as Record<string | number, unknown>;
    const value = container[key];
    const items: [Path, Record<string | number, unknown>, string | number][] = [];
    if (ref.list && Array.isArray(value)) value.forEach((_, i) => items.push([[...ref.path, i], value as unknown as Record<number, unknown>, i]));
    else if (!ref.list && value !== undefined) items.push([ref.path, container, key]);
    for (const [path, holder, slot] of items) {
      const entry = holder[slot];
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) continue; // zod reports the type
      const model = (entry as Record<string, unknown>).model;
      const file = `profiles/catalog/${ref.catalog}.yaml`;
      if (model === undefined) {
        if (ref.required) {
          problems.push(problemAt(sources, path, `needs a model: one of ${catalogModels(catalog, ref.catalog).join(", ")} (from ${file})`));
          unresolved.push(dottedPath(path));
        }
        continue;
      }
      const spec = typeof model === "string" ? catalog.entries[ref.catalog].get(model) : undefined;
      if (!spec) {
        const known = catalogModels(catalog, ref.catalog);
        problems.push(problemAt(sources, [...path, "model"], `unknown model ${JSON.stringify(model)}${suggestion(String(model), known)} (known in ${file}: ${known.join(", ")})`));
        unresolved.push(dottedPath(path));
        continue;
      }
      holder[slot] = deepMerge(structuredClone(spec), entry as Record<string, unknown>);
    }
  }
  return { data, problems, unresolved };
}

function getIn(data: unknown, path: Path): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}:${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
