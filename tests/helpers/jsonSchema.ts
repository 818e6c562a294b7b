/**
 * A small JSON Schema (2020-12) validator for the keywords z.toJSONSchema emits, so the tests
 * can check the generated profile schema against real profiles without a new dependency. A
 * keyword it does not know is an error, never silently accepted.
 */
type Schema = Record<string, unknown> | boolean;

const IGNORED = new Set(["$schema", "$id", "title", "description", "default", "$comment", "examples"]);

export function validate(schema: Schema, value: unknown, root: Schema = schema, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  const errors: string[] = [];
  for (const [k, rule] of Object.entries(schema)) {
    if (IGNORED.has(k) || k === "$defs") continue;
    switch (k) {
      case "type": {
        const types = Array.isArray(rule) ? (rule as string[]) : [rule as string];
        if (!types.some((t) => isType(t, value))) errors.push(`${path}: expected ${types.join("|")}, got ${JSON.stringify(value)}`);
        break;
      }
      case "enum":
        if (!(rule as unknown[]).some((e) => e === value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${(rule as unknown[]).join(", ")}`);
        break;
      case "const":
        if (rule !== value) errors.push(`${path}: expected ${JSON.stringify(rule)}`);
        break;
      case "properties":
        if (isObject(value)) for (const [p, s] of Object.entries(rule as Record<string, Schema>)) if (p in value) errors.push(...validate(s, value[p], root, `${path}.${p}`));
        break;
      case "additionalProperties":
        if (isObject(value)) {
          const known = Object.keys((schema as Record<string, unknown>).properties ?? {});
          for (const p of Object.keys(value)) if (!known.includes(p)) errors.push(...validate(rule as Schema, value[p], root, `${path}.${p}`).map((e) => (rule === false ? `${path}: unknown key ${p}` : e)));
        }
        break;
      case "required":
        if (isObject(value)) for (const p of rule as string[]) if (!(p in value)) errors.push(`${path}: ${p} is required`);
        break;
      case "items":
        if (Array.isArray(value)) value.forEach((v, i) => errors.push(...validate(rule as Schema, v, root, `${path}[${i}]`)));
        break;
      case "anyOf":
        if (!(rule as Schema[]).some((s) => validate(s, value, root, path).length === 0)) errors.push(`${path}: matches none of anyOf (${(rule as Schema[]).map((s) => validate(s, value, root, path)[0]).join(" / ")})`);
        break;
      case "oneOf":
        if ((rule as Schema[]).filter((s) => validate(s, value, root, path).length === 0).length !== 1) errors.push(`${path}: does not match exactly one of oneOf`);
        break;
      case "allOf":
        for (const s of rule as Schema[]) errors.push(...validate(s, value, root, path));
        break;
      case "$ref": {
        const m = /^#\/\$defs\/(.+)$/.exec(rule as string);
        if (!m) throw new Error(`unsupported $ref ${String(rule)}`);
        errors.push(...validate(((root as Record<string, unknown>).$defs as Record<string, Schema>)[m[1]!]!, value, root, path));
        break;
      }
      case "minimum":
        if (typeof value === "number" && value < (rule as number)) errors.push(`${path}: below ${String(rule)}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > (rule as number)) errors.push(`${path}: above ${String(rule)}`);
        break;
      case "exclusiveMinimum":
        if (typeof value === "number" && value <= (rule as number)) errors.push(`${path}: not above ${String(rule)}`);
        break;
      case "exclusiveMaximum":
        if (typeof value === "number" && value >= (rule as number)) errors.push(`${path}: not below ${String(rule)}`);
        break;
      case "minLength":
        if (typeof value === "string" && value.length < (rule as number)) errors.push(`${path}: shorter than ${String(rule)}`);
        break;
      case "maxLength":
        if (typeof value === "string" && value.length > (rule as number)) errors.push(`${path}: longer than ${String(rule)}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(rule as string, "u").test(value)) errors.push(`${path}: does not match ${String(rule)}`);
        break;
      case "format":
        break; // advisory in 2020-12
      case "minItems":
        if (Array.isArray(value) && value.length < (rule as number)) errors.push(`${path}: fewer than ${String(rule)} items`);
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > (rule as number)) errors.push(`${path}: more than ${String(rule)} items`);
        break;
      case "propertyNames":
        if (isObject(value)) for (const p of Object.keys(value)) errors.push(...validate(rule as Schema, p, root, `${path}.${p} (key)`));
        break;
      default:
        throw new Error(`the test validator does not know the JSON Schema keyword ${k} (at ${path}): teach it`);
    }
  }
  return errors;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isType(t: string, v: unknown): boolean {
  switch (t) {
    case "null":
      return v === null;
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "array":
      return Array.isArray(v);
    case "object":
      return isObject(v);
    default:
      return typeof v === t;
  }
}
