import { z } from "zod";
import { profileSchema } from "./schema/profile.js";
import { catalogModels, loadCatalog, DEFAULT_CATALOG_DIR, type CatalogName } from "./catalog.js";
import { ProfileError } from "./problems.js";

/** Where the schema lives, relative to the repository root; every shipped profile names it. */
export const PROFILE_SCHEMA_FILE = "profiles/profile.schema.json";

type Json = Record<string, unknown>;

/** The fields that name a catalog entry, by their path in the JSON Schema, and the catalog. */
const CATALOG_FIELDS: [string[], CatalogName][] = [
  [["hardware", "cpu", "model"], "cpus"],
  [["hardware", "gpus", "[]", "model"], "gpus"],
  [["hardware", "psu", "model"], "psus"],
  [["inference", "services", "[]", "model"], "models"],
];

/**
 * The JSON Schema of a profile *file*, for editors (yaml-language-server): generated from the
 * zod schema, so the two cannot disagree on keys, types, ranges and enums. It differs from the
 * zod schema where a file differs from the merged profile: a file that `extends` another may
 * state any part and leave the rest to its parent or the catalog, so nothing is required, and
 * `null` (which removes an inherited key) is allowed wherever the key is optional. Catalog keys
 * are enums, so an editor completes `model:`. The loader still validates the merged whole.
 */
export function profileJsonSchema(catalogDir: string = DEFAULT_CATALOG_DIR): Json {
  const { catalog, problems } = loadCatalog(catalogDir);
  if (!catalog) throw new ProfileError(problems);
  const schema = z.toJSONSchema(profileSchema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Json;
  for (const [path, name] of CATALOG_FIELDS) {
    const field = at(schema, path);
    field.enum = catalogModels(catalog, name);
    field.description = `a key of profiles/catalog/${name}.yaml`;
  }
  relax(schema);
  const properties = schema.properties as Json;
  return {
    $schema: schema.$schema,
    title: "aiws hardware profile",
    description: "A workstation profile (README.md, Profiles). Generated from src/profile/schema by `npm run schema`; do not edit.",
    ...schema,
    properties: { extends: { type: "string", description: "the profile this one builds on (./base.yaml): mappings merge key by key, lists are replaced whole, null removes a key" }, ...properties },
  };
}

/** The schema at a path of property names (`[]` steps into a list's items). */
function at(schema: Json, path: string[]): Json {
  let cur = schema;
  for (const key of path) {
    const next = key === "[]" ? cur.items : (cur.properties as Json | undefined)?.[key];
    if (!next || typeof next !== "object") throw new Error(`profile JSON Schema: no ${path.join(".")} (the zod schema changed; update CATALOG_FIELDS)`);
    cur = next as Json;
  }
  return cur;
}

/** Drops `required` everywhere and lets an optional key be null, recursively. */
function relax(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(relax);
  if (!node || typeof node !== "object") return;
  const o = node as Json;
  for (const v of Object.values(o)) relax(v);
  if (o.properties && typeof o.properties === "object") {
    const required = new Set((o.required as string[] | undefined) ?? []);
    const props = o.properties as Json;
    for (const [k, v] of Object.entries(props)) {
      if (required.has(k)) continue;
      const p = v as Json;
      props[k] = { ...(p.description ? { description: p.description } : {}), anyOf: [p, { type: "null" }] };
    }
    delete o.required;
  }
}
