/**
 * Secrets as they reach the mocks: @pulumi/pulumi wraps each secret value it sends to the
 * engine (sdk/nodejs/runtime/rpc.ts,
 * https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/rpc.ts). The engine
 * unwraps them to run the command and marks the record secret so that its output is not shown.
 */
/** The key and value pulumi puts on a secret value it sends to the engine (sdk/nodejs/runtime/rpc.ts). */
export const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

export function isSecretWrapped(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG[0]] === SECRET_SIG[1];
}

/** The value with pulumi's secret wrappers taken off. */
export function unwrap(v: unknown): unknown {
  if (isSecretWrapped(v)) return unwrap(v.value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

export function holdsSecret(v: unknown): boolean {
  if (isSecretWrapped(v)) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(holdsSecret);
  return false;
}
