import type { z } from "zod";
import { problemAt, valueIn, type Path, type YamlSource } from "./source.js";
import { suggestion, type Problem } from "./problems.js";

/**
 * Turns zod's issues into problems a person can act on: located at the YAML node, with
 * did-you-mean for unknown keys and enum values, and plain words for types and ranges.
 */
export function zodProblems(error: z.ZodError, sources: readonly YamlSource[], schema: z.ZodType, prefix: Path = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") {
      const known = objectKeys(schemaAt(schema, issue.path as Path));
      for (const key of issue.keys) {
        out.push(problemAt(sources, [...path, key], `unknown key "${key}"${suggestion(key, known)}${known.length && !suggestion(key, known) ? ` (known keys: ${known.join(", ")})` : ""}`, true));
      }
      continue;
    }
    out.push(problemAt(sources, path, describe(issue, valueAt(sources, path))));
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return value === undefined ? `is required (${article(issue.expected)})` : `expected ${article(issue.expected)}, got ${show(value)}`;
    case "invalid_value": {
      const options = issue.values.map(String);
      return `${show(value)} is not one of ${options.join(", ")}${suggestion(String(value), options)}`;
    }
    case "too_small":
      return issue.origin === "array" ? `needs at least ${String(issue.minimum)} item(s)` : `${show(value)} is too small: the minimum is ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "array" ? `allows at most ${String(issue.maximum)} item(s)` : `${show(value)} is too large: the maximum is ${String(issue.maximum)}`;
    case "invalid_format":
    case "custom":
    default:
      return issue.message;
  }
}

function article(t: string): string {
  return t === "object" ? "a mapping" : t === "array" ? "a list" : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "a list";
  if (v !== null && typeof v === "object") return "a mapping";
  return String(v);
}

function valueAt(sources: readonly YamlSource[], path: Path): unknown {
  for (const src of sources) {
    const v = valueIn(src, path);
    if (v !== undefined) return v;
  }
  return undefined;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  in?: z.ZodType;
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema that validates the value at `path`, looking through optional/default wrappers. */
function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let s: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (!s) return undefined;
    const d = def(s);
    if (d.type === "object" && typeof key === "string") s = d.shape?.[key];
    else if (d.type === "array") s = d.element;
    else return undefined;
    s = s && unwrap(s);
  }
  return s;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = def(cur);
    if ((d.type === "optional" || d.type === "default" || d.type === "prefault" || d.type === "nullable") && d.innerType) cur = d.innerType;
    else if (d.type === "pipe" && d.in) cur = d.in;
    else return cur;
  }
}

function objectKeys(s: z.ZodType | undefined): string[] {
  if (!s) return [];
  const d = def(s);
  return d.type === "object" && d.shape ? Object.keys(d.shape) : [];
}
