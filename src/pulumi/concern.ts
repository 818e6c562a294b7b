import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Step } from "../step/step.js";
import { renderScript } from "../step/render.js";
import { connectionInput, REBOOT_DIAL, shellCommand, type SshConnectionArgs } from "./connection.js";
import { stepCommand, type SecretInputs } from "./stepCommand.js";
import { rebootWaitStep, scheduledFromBoot, scheduleRebootSnippet, waitDownCommand, type RebootOptions } from "./reboot.js";

export interface ConcernArgs {
  /** This concern's steps, in plan order (all with `concern` equal to the component's name). */
  readonly steps: readonly Step[];
  /** How every command reaches the workstation. */
  readonly connection: SshConnectionArgs;
  /** Values of the secrets the steps list, by name. */
  readonly secrets?: SecretInputs;
  /**
   * What a later step waits for, by the id of every step before this concern: the step's
   * command, or its `-reboot-up` resource when the step may reboot the host.
   */
  readonly earlier?: ReadonlyMap<string, pulumi.Resource>;
  /**
   * The last resource of the plan so far. The first step here waits for it: steps run one at a
   * time, in plan order (two apt runs at once would fight over the dpkg lock, and a step must
   * never run while the host reboots).
   */
  readonly previous?: pulumi.Resource;
  /** Tuning of the reboot wait (see reboot.ts). */
  readonly reboot?: RebootOptions;
  /**
   * Stamps of requests to run steps again, by step id (`aiws:repair`): rendered into the
   * step's converge script, so a new stamp is a changed input and Pulumi runs the step.
   */
  readonly stamps?: ReadonlyMap<string, string>;
}

/** One step as registered: its command and what later steps wait for. */
export interface StepResources {
  /** The step, as planned. */
  readonly step: Step;
  /** The remote.Command that converges it (named by the step id). */
  readonly command: command.remote.Command;
  /** For a step that may reboot the host: the local sleep that lets it go down (`<id>-reboot-down`). */
  readonly rebootDown?: command.local.Command;
  /** For a step that may reboot the host: the wait for the new boot and the step's check (`<id>-reboot-up`). */
  readonly rebootUp?: command.remote.Command;
  /** What later steps depend on: `rebootUp` when there is one, else `command`. */
  readonly gate: pulumi.Resource;
}

/**
 * One area of host configuration (base tuning, the NVIDIA driver, storage...) as a Pulumi
 * component, `aiws:host:Concern`, named after the concern; each step is a child remote.Command
 * named by the step id. See stepCommand.ts for why each input is what it is, and reboot.ts for
 * what a step that may reboot the host adds.
 *
 * Renaming a step or moving it to another concern changes its URN: Pulumi then creates the new
 * resource (its converge finds the host in sync) and deletes the old one at the end of the
 * update, whose remove undoes the step. Give the new resource an alias when you do that.
 */
export class ConcernComponent extends pulumi.ComponentResource {
  /** The registered steps, in plan order. */
  readonly steps: readonly StepResources[];
  /** The resource the next step of the plan waits for. */
  readonly last: pulumi.Resource | undefined;

  constructor(name: string, args: ConcernArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aiws:host:Concern", name, {}, opts);
    const gates = new Map(args.earlier ?? []);
    let previous = args.previous;
    const steps: StepResources[] = [];
    for (const step of args.steps) {
      if (step.concern !== name) throw new Error(`step ${step.id} belongs to concern ${step.concern}, not ${name}`);
      const r = this.registerStep(step, args, gates, previous);
      gates.set(step.id, r.gate);
      previous = r.gate;
      steps.push(r);
    }
    this.steps = steps;
    this.last = previous;
    this.registerOutputs({ steps: steps.map((s) => s.step.id) });
  }

  private registerStep(step: Step, args: ConcernArgs, gates: ReadonlyMap<string, pulumi.Resource>, previous: pulumi.Resource | undefined): StepResources {
    const dependsOn = new Set<pulumi.Resource>(previous ? [previous] : []);
    for (const dep of step.after) {
      // Every `after` names an earlier step: checkPlanOrder (src/host/plan.ts) held before any resource.
      dependsOn.add(gates.get(dep)!);
    }
    const reboots = step.reboot === "if-needed";
    const stamp = args.stamps?.get(step.id);
    const sc = stepCommand(step, {
      connection: args.connection,
      ...(args.secrets ? { secrets: args.secrets } : {}),
      render: {
        ...(reboots ? { onRebootRequired: scheduleRebootSnippet(step) } : {}),
        ...(stamp !== undefined ? { stamp } : {}),
      },
    });
    const cmd = new command.remote.Command(step.id, sc.args, { ...sc.opts, parent: this, dependsOn: [...dependsOn] });
    if (!reboots) return { step, command: cmd, gate: cmd };

    const bootId = cmd.stdout.apply((out) => scheduledFromBoot(step, out) ?? "");
    const rebootDown = new command.local.Command(
      `${step.id}-reboot-down`,
      {
        create: pulumi
          .all([bootId, args.connection.host, args.connection.port])
          .apply(([id, host, port]) => waitDownCommand(step, id || undefined, { host, port }, args.reboot ?? {})),
      },
      { parent: this, dependsOn: [cmd], deleteBeforeReplace: true },
    );
    const rebootUp = new command.remote.Command(
      `${step.id}-reboot-up`,
      this.waitUpArgs(step, bootId, args),
      {
        parent: this,
        dependsOn: [rebootDown],
        deleteBeforeReplace: true,
        ...(step.secrets.length > 0 ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}),
      },
    );
    return { step, command: cmd, rebootDown, rebootUp, gate: rebootUp };
  }

  /** The wait for the host: rebootWaitStep's check, as root, dialing for as long as a reboot takes. */
  private waitUpArgs(step: Step, bootId: pulumi.Output<string>, args: ConcernArgs): command.remote.CommandArgs {
    const values: Record<string, pulumi.Input<string>> = {};
    for (const name of step.secrets) {
      const v = args.secrets?.[name];
      if (v === undefined) throw new Error(`step ${step.id} needs secret ${name}, which was not given`);
      values[name] = v;
    }
    const script = pulumi.all([bootId, values]).apply(([id, v]) => renderScript(rebootWaitStep(step, id || undefined), "check", v));
    const run = shellCommand(args.connection.user);
    const secret = step.secrets.length > 0;
    return {
      connection: connectionInput(args.connection, REBOOT_DIAL),
      create: run,
      update: run,
      stdin: secret ? pulumi.secret(script) : script,
      addPreviousOutputInEnv: false,
      ...(secret ? { logging: "none" as const } : {}),
    };
  }
}
