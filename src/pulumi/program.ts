import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import type { CheckReport } from "../budget/check.js";
import { formatReport } from "../budget/format.js";
import { parseRepair } from "../step/repair.js";
import type { Concern } from "../host/plan.js";
import { planProfile } from "../host/planProfile.js";
import type { Step } from "../step/step.js";
import type { Profile } from "../profile/schema/profile.js";
import { hostResources, type HostResources } from "./host.js";
import type { RebootOptions } from "./reboot.js";
import { checkWorkstationConfig, NAMESPACE, runError, secretConfigError, type WorkstationConfig } from "./config.js";
import { INSECURE_WARNING } from "../ssh/hostTrust.js";
import { loadCatalog } from "../profile/catalog.js";

/** The repository root (where Pulumi.yaml is): profile paths in the config start here. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface BuildOptions {
  /** The concerns to plan with; default CONCERNS (tests pass small fakes). */
  readonly concerns?: readonly Concern[];
  /** Where a relative profile path starts; default the repository root. */
  readonly rootDir?: string;
  /** Tuning of the reboot wait. */
  readonly reboot?: RebootOptions;
  /** Where a secret the plan needs comes from when `config.secrets` lacks it; default the stack's `aiws:<name>`. */
  readonly readSecret?: (name: string) => pulumi.Input<string> | undefined;
}

/** What the program registered, for the entry point and for tests and the e2e harness. */
export interface Workstation {
  /** The budget check's verdict on the profile (always `ok` here: anything else stopped the program). */
  readonly report: CheckReport;
  readonly profile: Profile;
  /** The plan, in order. */
  readonly steps: readonly Step[];
  /** The components and commands, in plan order. */
  readonly resources: HostResources;
  /** The stack's outputs. */
  readonly outputs: { readonly profile: string; readonly host: string; readonly user: string; readonly steps: readonly string[] };
}

/**
 * The whole program: config -> profile -> budgets -> plan -> resources. The profile is loaded
 * and budgeted, the plan built and every secret it needs found BEFORE the first resource is
 * registered; an invalid or refused profile, a wrong config key or a missing secret stops it
 * with one pulumi.RunError (the check report, or the key and its fix) and registers nothing.
 */
export function buildWorkstation(config: WorkstationConfig, options: BuildOptions = {}): Workstation {
  const c = checkWorkstationConfig(config);
  if (!c.hostKey) pulumi.log.warn(INSECURE_WARNING);
  const root = options.rootDir ?? REPO_ROOT;
  const file = isAbsolute(c.profile) ? c.profile : resolve(root, c.profile);
  const { report, steps } = planProfile(file, options.concerns);
  if (report.status !== "ok" || !report.profile) {
    const shown = relative(root, file).startsWith("..") ? file : relative(root, file);
    const why = report.status === "refused" ? "is refused by its budgets" : "is not a valid profile";
    throw runError(`aiws:profile ${shown} ${why}; nothing was changed on ${c.host}.\n${formatReport(report)}`);
  }
  const profile = report.profile;
  const secrets = findSecrets(steps, c, options.readSecret ?? defaultReadSecret);
  const stamps = repairStamps(steps, c.repair);
  const resources = hostResources({
    steps,
    connection: { host: c.host, port: c.port, user: c.user, privateKey: c.sshPrivateKey, ...(c.hostKey ? { hostKey: c.hostKey } : {}) },
    secrets,
    stamps,
    ...(options.reboot ? { reboot: options.reboot } : {}),
    // The profile loaded, so the catalog did too: the hardware is checked before the first step.
    identity: { profile, catalog: loadCatalog().catalog! },
  });
  return {
    report,
    profile,
    steps,
    resources,
    outputs: { profile: profile.name, host: c.host, user: c.user, steps: steps.map((s) => s.id) },
  };
}

/** Every secret a step lists, from the config object or the stack; a missing one stops the program. */
function findSecrets(
  steps: readonly Step[],
  c: WorkstationConfig,
  read: (name: string) => pulumi.Input<string> | undefined,
): Record<string, pulumi.Input<string>> {
  const users = new Map<string, string[]>();
  for (const s of steps) for (const name of s.secrets) users.set(name, [...(users.get(name) ?? []), s.id]);
  const out: Record<string, pulumi.Input<string>> = {};
  for (const [name, ids] of users) {
    const v = c.secrets?.[name] ?? read(name);
    if (v === undefined) throw secretConfigError(name, ids);
    out[name] = pulumi.secret(v);
  }
  return out;
}

/**
 * `aiws:repair` ("id,id@stamp", src/step/repair.ts): the stamp for each named step. A step
 * the plan no longer has is skipped with a warning (the request may predate a profile switch).
 */
function repairStamps(steps: readonly Step[], repair: string | undefined): Map<string, string> {
  const { ids, stamp } = parseRepair(repair);
  const known = new Set(steps.map((s) => s.id));
  const unknown = [...ids].filter((id) => !known.has(id));
  if (unknown.length > 0) void pulumi.log.warn(`aiws:repair names ${unknown.join(", ")}, not in this plan: skipped (pulumi config rm aiws:repair clears the request)`);
  return new Map([...ids].filter((id) => known.has(id)).map((id) => [id, stamp]));
}

function defaultReadSecret(name: string): pulumi.Output<string> | undefined {
  return new pulumi.Config(NAMESPACE).getSecret(name);
}
