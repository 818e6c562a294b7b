import { scriptsBeside } from "../../step/scripts.js";
import { defineStep, type Step } from "../../step/step.js";

const sh = scriptsBeside(import.meta.url);
const SCRIPTS = { check: sh("packages.check.sh"), apply: sh("packages.apply.sh"), remove: sh("packages.remove.sh") };

/**
 * The one step that installs Debian packages: every concern that needs packages (the base
 * toolset, mdadm and xfsprogs, restic) makes its step here. The apply goes through the step
 * runtime's aiws_apt_install (src/step/runtime.sh): package lists refreshed first, the dpkg
 * lock waited for, an interrupted dpkg finished. Its remove leaves the packages installed.
 */
export function packagesStep(args: { id: string; title: string; concern: string; packages: readonly string[]; after?: readonly string[] }): Step {
  return defineStep(args.concern, {
    id: args.id,
    title: args.title,
    after: args.after ?? [],
    ...SCRIPTS,
    vars: { PACKAGES: [...args.packages].join(" ") },
  });
}
