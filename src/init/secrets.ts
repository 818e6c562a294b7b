import { planSteps } from "../host/plan.js";
import type { Profile } from "../profile/schema/profile.js";

/**
 * The stack secrets a profile's plan needs (aiws:<name>), each with the steps that use it:
 * what `npm run init` asks for, from a file or a prompt, never from the command line.
 */
export function secretsNeeded(profile: Profile): Map<string, string[]> {
  const needed = new Map<string, string[]>();
  for (const s of planSteps(profile)) for (const name of s.secrets) needed.set(name, [...(needed.get(name) ?? []), s.id]);
  return needed;
}

/** `--secret NAME=FILE,NAME=FILE`: the files init reads secrets from. */
export function parseSecretFiles(arg: string | undefined): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const part of (arg ?? "").split(",").filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0 || i === part.length - 1) return `--secret ${part}: give NAME=FILE (the secret's name without aiws:, and the file holding it)`;
    out.set(part.slice(0, i).replace(/^aiws:/, ""), part.slice(i + 1));
  }
  return out;
}

/** A stack file name Pulumi accepts, which also names stacks/Pulumi.<stack>.yaml. */
export function stackNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) ? undefined : `--stack ${name}: a stack name is letters, digits, . _ and -`;
}
