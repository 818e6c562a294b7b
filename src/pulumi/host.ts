import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { Step } from "../step/step.js";
import { checkPlanOrder } from "../step/order.js";
import { ConcernComponent, type StepResources } from "./concern.js";
import type { SshConnectionArgs } from "./connection.js";
import type { RebootOptions } from "./reboot.js";
import type { SecretInputs } from "./stepCommand.js";
import type { Profile } from "../profile/schema/profile.js";
import type { Catalog } from "../profile/catalog.js";
import { IDENTITY_NAMES, identityCheck, type IdentityCheck } from "./identity.js";

export interface HostResourcesArgs {
  /** The plan (planSteps), in order: each concern's steps together, every `after` earlier. */
  readonly steps: readonly Step[];
  /** How every command reaches the workstation. */
  readonly connection: SshConnectionArgs;
  /** Values of the secrets the steps list, by name. */
  readonly secrets?: SecretInputs;
  /** Tuning of the reboot wait. */
  readonly reboot?: RebootOptions;
  /** Stamps of requests to run steps again, by step id (`aiws:repair`). */
  readonly stamps?: ReadonlyMap<string, string>;
  /** Options for every component (a parent, a provider...). */
  readonly opts?: pulumi.ComponentResourceOptions;
  /** The profile the plan comes from: its hardware is checked on the host before the first step (identity.ts). */
  readonly identity?: { readonly profile: Profile; readonly catalog: Catalog };
}

export interface HostResources {
  /** One component per concern that has steps, in plan order. */
  readonly concerns: readonly ConcernComponent[];
  /** Every step's resources, in plan order. */
  readonly steps: readonly StepResources[];
  /** The hardware check every step waits for, when the profile was given. */
  readonly identity?: IdentityCheck;
}

/**
 * Registers the plan: one Concern component per concern, the concerns in plan order and each
 * step after the one before it. Registers nothing when the plan is not well formed (a concern
 * whose steps are not together, an `after` that is not an earlier step, a secret not given, a
 * resource name used twice): everything is checked before the first resource.
 */
export function hostResources(args: HostResourcesArgs): HostResources {
  // groupByConcern checks the plan's order (checkPlanOrder) first.
  const groups = groupByConcern(args.steps);
  checkResources(args.steps, args.secrets ?? {});
  const concerns: ConcernComponent[] = [];
  const gates = new Map<string, pulumi.Resource>();
  const identity = args.identity ? identityCheck(args.identity.profile, args.identity.catalog, args.connection, { ...args.opts, planDigest: planDigest(args.steps, args.stamps) }) : undefined;
  let previous: pulumi.Resource | undefined = identity?.verdict;
  for (const [name, steps] of groups) {
    const c = new ConcernComponent(
      name,
      {
        steps,
        connection: args.connection,
        ...(args.secrets ? { secrets: args.secrets } : {}),
        earlier: new Map(gates),
        ...(previous ? { previous } : {}),
        ...(args.reboot ? { reboot: args.reboot } : {}),
        ...(args.stamps ? { stamps: args.stamps } : {}),
      },
      args.opts,
    );
    for (const s of c.steps) gates.set(s.step.id, s.gate);
    previous = c.last ?? previous;
    concerns.push(c);
  }
  return { concerns, steps: concerns.flatMap((c) => c.steps), ...(identity ? { identity } : {}) };
}

/** The plan's concerns in order, each with its steps (together: checkPlanOrder). */
export function groupByConcern(steps: readonly Step[]): [string, Step[]][] {
  checkPlanOrder(steps);
  const groups: [string, Step[]][] = [];
  for (const s of steps) {
    const last = groups[groups.length - 1];
    if (last && last[0] === s.concern) last[1].push(s);
    else groups.push([s.concern, [s]]);
  }
  return groups;
}

/** What Pulumi adds to the plan's own check: resource names are unique and every secret is given. */
function checkResources(steps: readonly Step[], secrets: SecretInputs): void {
  const names = new Set<string>(Object.values(IDENTITY_NAMES));
  const claim = (n: string, what: string) => {
    if (names.has(n)) throw new Error(`plan: resource name ${n} (${what}) is used twice`);
    names.add(n);
  };
  for (const s of steps) {
    claim(s.id, `step ${s.id}`);
    if (s.reboot === "if-needed") {
      claim(`${s.id}-reboot-down`, `reboot wait of ${s.id}`);
      claim(`${s.id}-reboot-up`, `reboot wait of ${s.id}`);
    }
    for (const name of s.secrets) if (secrets[name] === undefined) throw new Error(`plan: step ${s.id} needs secret ${name}, which was not given`);
  }
}

/**
 * A digest of what the steps will converge to (each step's scripts and values, and the repair
 * stamps), for the hardware check's input: the probe then runs again whenever any step is about
 * to run, and a pulumi up with nothing to do runs nothing, the probe included. Secret values
 * are left out (a digest of a short password could be guessed from the state): a change of a
 * secret alone runs its steps without a new probe.
 */
export function planDigest(steps: readonly Step[], stamps?: ReadonlyMap<string, string>): string {
  const hash = createHash("sha256");
  for (const s of steps) hash.update(JSON.stringify([s.id, s.after, s.check, s.apply, s.remove, s.vars, s.secrets, s.reboot, s.destructive, stamps?.get(s.id) ?? null]));
  return hash.digest("hex");
}
