import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";
import type { Step } from "../step/step.js";
import { heredocDelimiter, renderScript, type RenderOptions } from "../step/render.js";
import { connectionInput, shellCommand, type SshConnectionArgs } from "./connection.js";

/** Secret values by the name a step lists in `secrets`. */
export type SecretInputs = Readonly<Record<string, pulumi.Input<string>>>;

/**
 * The inputs and options of the remote.Command that converges one step. Why each one:
 *
 * - `create` and `update` are the same fixed command (`bash -s`, or `sudo -n bash -s`) and the
 *   converge script travels on `stdin`: a change of desired state changes `stdin`, which the
 *   provider treats as an update and runs `update` again; nothing reaches argv (`ps`) or the
 *   SSH environment (which a stock sshd refuses without AcceptEnv).
 * - `delete` carries the remove script in a quoted here-document inside the command string:
 *   the provider sends the resource's last `stdin` (the converge script) to every command it
 *   runs, delete included (pulumi-command remote/commandOutputs.go `run`), so a plain
 *   `bash -s` would converge again instead of removing. The remove script holds no secrets.
 *   It needs a POSIX login shell (bash, dash, zsh) for the here-document.
 * - No `triggers`: they force a replace (pulumi-command#855), and a replace runs the new create
 *   before the old delete, whose remove would undo what the create just did.
 *   `deleteBeforeReplace` covers whatever else could force one.
 * - `addPreviousOutputInEnv: false`: the provider would otherwise send the last stdout through
 *   SSH Setenv, which a stock sshd refuses with a warning on every run.
 * - Steps with secrets: `stdin` built inside `pulumi.secret`, `logging: "none"` (the provider
 *   streams output unmasked, pulumi/pulumi#15912) and stdout/stderr stored as secrets.
 */
export interface StepCommand {
  readonly args: command.remote.CommandArgs;
  readonly opts: Pick<pulumi.CustomResourceOptions, "deleteBeforeReplace" | "additionalSecretOutputs">;
}

export interface StepCommandArgs {
  /** How to reach the host. */
  readonly connection: SshConnectionArgs;
  /** Values of the secrets the step lists; every one it lists must be here. */
  readonly secrets?: SecretInputs;
  /** Passed to renderScript (the reboot step's scheduling snippet, a repair request's stamp). */
  readonly render?: RenderOptions;
}

export function stepCommand(step: Step, a: StepCommandArgs): StepCommand {
  const run = shellCommand(a.connection.user);
  const secret = step.secrets.length > 0;
  let stdin: pulumi.Input<string>;
  if (secret) {
    const values: Record<string, pulumi.Input<string>> = {};
    for (const name of step.secrets) {
      const v = a.secrets?.[name];
      if (v === undefined) throw new Error(`step ${step.id} needs secret ${name}, which was not given`);
      values[name] = v;
    }
    stdin = pulumi.secret(pulumi.all(values).apply((v) => renderScript(step, "converge", v, a.render)));
  } else {
    stdin = renderScript(step, "converge", undefined, a.render);
  }
  const args: command.remote.CommandArgs = {
    connection: connectionInput(a.connection),
    create: run,
    update: run,
    stdin,
    addPreviousOutputInEnv: false,
    delete: removeCommand(step, run),
    ...(secret ? { logging: "none" as const } : {}),
  };
  return {
    args,
    opts: { deleteBeforeReplace: true, ...(secret ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}) },
  };
}

/** `sudo -n bash -s <<'EOF'` + the remove script + `EOF`: the script on bash's stdin, not in its argv. */
export function removeCommand(step: Step, run: string): string {
  const script = renderScript(step, "remove");
  const eof = heredocDelimiter("AIWS_REMOVE_SCRIPT", script);
  return `${run} <<'${eof}'\n${script}${eof}\n`;
}
