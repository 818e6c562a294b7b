/**
 * A Step is one piece of host state, as plain data: a pure function of the profile builds
 * it, and three drivers consume it (the Pulumi program, the drift check, the e2e harness).
 * src/host/plan.ts builds the whole plan; docs/pulumi-up.md says how `pulumi up` runs a step.
 */
export interface Step {
  /** Stable name, kebab-case (`gpu-power-limits`); also the Pulumi resource name. */
  readonly id: string;
  /** One line for people. */
  readonly title: string;
  /** The concern this step belongs to (`base`, `nvidia`, `storage`, ...): one Pulumi component each. */
  readonly concern: string;
  /** Ids of steps that must be converged first. */
  readonly after: readonly string[];
  /** Bash: exits 0 when the host already matches; otherwise prints why not and exits non-zero. Never changes anything. */
  readonly check: string;
  /** Bash: idempotent; afterwards `check` passes. */
  readonly apply: string;
  /** Bash: undoes only the configuration this step wrote (`pulumi destroy`). Never wipes a disk or deletes a backup. */
  readonly remove: string;
  /** Values rendered into a quoted preamble of every script (never sent as SSH environment). */
  readonly vars: Readonly<Record<string, string>>;
  /** Names of secrets this step needs; the values are delivered on stdin, never in argv, never logged. */
  readonly secrets: readonly string[];
  /**
   * `if-needed`: apply may ask for a reboot (driver installs) with the step runtime's
   * aiws_reboot_required (src/step/runtime.sh); the runner waits for the host to return.
   */
  readonly reboot: "never" | "if-needed";
  /** May destroy data (creating an array, formatting): gated by safe mode and explicit confirmation. */
  readonly destructive: boolean;
}

/** A step's fields, with the usual ones optional: nothing before it, no vars, no secret, no reboot, nothing destroyed. */
export type StepFields = Omit<Step, "concern" | "after" | "vars" | "secrets" | "reboot" | "destructive"> & Partial<Pick<Step, "after" | "vars" | "secrets" | "reboot" | "destructive">>;

/** The one step factory: a step of `concern`, the usual fields filled in unless it says otherwise. */
export function defineStep(concern: string, fields: StepFields): Step {
  return { concern, after: [], vars: {}, secrets: [], reboot: "never", destructive: false, ...fields };
}
