import { dirname, relative, resolve } from "node:path";
import { readYaml, problemAt, type YamlSource } from "./source.js";
import type { Problem } from "./problems.js";

/**
 * `extends:` lets an upgrade profile state only what changed. The chain is read from the
 * profile up to its root; values merge deeply (mappings key by key), lists and scalars are
 * replaced whole, and `null` removes a key the parent set. A cycle is refused.
 */
interface Chain {
  /** Most derived first: the profile the user named, then its parent, and so on. */
  readonly sources: readonly YamlSource[];
  readonly merged: Record<string, unknown>;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

export function readChain(file: string): { chain?: Chain; problems: Problem[] } {
  const sources: YamlSource[] = [];
  const visited: string[] = [];
  let current = resolve(file);
  for (;;) {
    const { source, problems } = readYaml(current, displayPath(current));
    if (!source) {
      const child = sources[sources.length - 1];
      // A parent that cannot be read is reported at the `extends:` line that names it.
      if (child && problems[0]?.line === 0) {
        return { problems: [problemAt([child], ["extends"], `${String(get(child.data, "extends"))}: ${problems[0].message}`)] };
      }
      return { problems };
    }
    sources.push(source);
    visited.push(current);
    const parent = get(source.data, "extends");
    if (parent === undefined || parent === null) break;
    if (typeof parent !== "string" || parent.length === 0) {
      return { problems: [problemAt([source], ["extends"], "extends names one parent profile, as a path relative to this file")] };
    }
    const next = resolve(dirname(current), parent);
    if (visited.includes(next)) {
      const cycle = [...visited, next].map(displayPath).join(" -> ");
      return { problems: [problemAt([source], ["extends"], `extends makes a cycle: ${cycle}; remove one of these extends lines`)] };
    }
    current = next;
  }
  let merged: Record<string, unknown> = {};
  for (const src of [...sources].reverse()) merged = deepMerge(merged, src.data as Record<string, unknown>);
  delete merged.extends;
  return { chain: { sources, merged }, problems: [] };
}

function get(data: unknown, key: string): unknown {
  return data !== null && typeof data === "object" ? (data as Record<string, unknown>)[key] : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Mappings merge key by key; lists and scalars replace; `null` deletes. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = deepMerge(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}
