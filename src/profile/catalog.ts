import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { gpuSpecSchema, cpuSpecSchema, psuSpecSchema } from "./schema/hardware.js";
import { modelSpecSchema } from "./schema/inference.js";
import { readYaml, problemAt, type YamlSource } from "./source.js";
import { displayPath } from "./extends.js";
import type { Problem } from "./problems.js";
import { zodProblems } from "./zodProblems.js";

/** The catalogs shipped in profiles/catalog/, one file per kind of part. */
export const DEFAULT_CATALOG_DIR = fileURLToPath(new URL("../../profiles/catalog/", import.meta.url));

interface CatalogKind {
  readonly file: string;
  readonly schema: z.ZodType;
}

/** Kinds the loader resolves `model:` against; later issues add more (models.yaml). */
const CATALOG_KINDS = {
  gpus: { file: "gpus.yaml", schema: gpuSpecSchema },
  cpus: { file: "cpus.yaml", schema: cpuSpecSchema },
  psus: { file: "psus.yaml", schema: psuSpecSchema },
  /** Models the inference services serve; the VRAM budget reads them (src/budget/vramModels.ts). */
  models: { file: "models.yaml", schema: modelSpecSchema },
} as const satisfies Record<string, CatalogKind>;

export type CatalogName = keyof typeof CATALOG_KINDS;

export interface Catalog {
  readonly entries: Record<CatalogName, Map<string, Record<string, unknown>>>;
  readonly sources: Record<CatalogName, YamlSource>;
}

const cache = new Map<string, { catalog?: Catalog; problems: Problem[] }>();

/** Reads and validates every catalog once per directory. */
export function loadCatalog(dir = DEFAULT_CATALOG_DIR): { catalog?: Catalog; problems: Problem[] } {
  const hit = cache.get(dir);
  if (hit) return hit;
  const problems: Problem[] = [];
  const entries = {} as Catalog["entries"];
  const sources = {} as Catalog["sources"];
  for (const [name, kind] of Object.entries(CATALOG_KINDS) as [CatalogName, CatalogKind][]) {
    const read = readYaml(join(dir, kind.file), displayPath(join(dir, kind.file)));
    problems.push(...read.problems);
    if (!read.source) continue;
    sources[name] = read.source;
    const map = new Map<string, Record<string, unknown>>();
    for (const [model, spec] of Object.entries(read.source.data as Record<string, unknown>)) {
      const parsed = kind.schema.safeParse(spec);
      if (!parsed.success) problems.push(...zodProblems(parsed.error, [read.source], kind.schema, [model]));
      else map.set(model, spec as Record<string, unknown>);
    }
    entries[name] = map;
  }
  const result = problems.length > 0 ? { problems } : { catalog: { entries, sources }, problems };
  cache.set(dir, result);
  return result;
}

/** Models a catalog knows, for did-you-mean and listings. */
export function catalogModels(catalog: Catalog, name: CatalogName): string[] {
  return [...catalog.entries[name].keys()];
}

export { problemAt };
