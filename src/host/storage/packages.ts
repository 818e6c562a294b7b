import type { Step } from "../step.js";
import { bashBody, storageSh } from "./sh.js";

/**
 * A step that installs Debian packages with apt (`apt-get update` only when the install
 * fails). Its remove leaves them installed: uninstalling mdadm or restic could break what
 * they serve.
 */
export function aptPackagesStep(args: { id: string; title: string; concern: string; packages: readonly string[]; after?: readonly string[] }): Step {
  return {
    id: args.id,
    title: args.title,
    concern: args.concern,
    after: args.after ?? [],
    check: bashBody(storageSh("packages.check.sh")),
    apply: bashBody(storageSh("packages.apply.sh")),
    remove: bashBody(storageSh("packages.remove.sh")),
    vars: { PACKAGES: [...args.packages].join(" ") },
    secrets: [],
    reboot: "never",
    destructive: false,
  };
}
