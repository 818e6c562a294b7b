import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Profile } from "../profile/schema/profile.js";
import type { Catalog } from "../profile/catalog.js";
import { probeScript, splitSections } from "../discover/probe.js";
import { hostFacts } from "../discover/facts.js";
import { identityDifferences } from "../discover/compare.js";
import { connectionInput, shellCommand, type SshConnectionArgs } from "./connection.js";
import { shellQuote } from "../step/render.js";

/** The resource names of the check, for the plan's name check and for tests. */
export const IDENTITY_NAMES = { probe: "hardware-identity", verdict: "hardware-identity-verdict" } as const;

/**
 * Before the first step changes anything, is this the machine the profile describes? The
 * same read-only probe and comparison as `npm run drift` (src/discover): the GPUs (count,
 * models, and the UUIDs the profile pins) and every drive the profile names (by serial). A profile written for another
 * machine (three GPUs where it says four, a drive serial that is not there) would be budgeted
 * and applied as if it were right; here it stops the update with the differences, and no step
 * runs.
 *
 * Two resources: `hardware-identity` runs the probe on the host. Its stdin names the hardware
 * the profile expects and a digest of the plan (host.ts planDigest), so it runs again whenever
 * either changes: before any step is created or updated, as on a switch to another profile.
 * A pulumi up with nothing to do runs nothing, the probe included: a card swapped since is
 * found by `npm run drift` (which probes every time) or by the next up that changes anything.
 * `hardware-identity-verdict`, a local command, is `true` when the host matches and
 * otherwise fails printing the differences: every step waits for it, so none is created or
 * updated.
 */
export interface IdentityCheck {
  /** What every step waits for: registers only when the host is the machine the profile describes. */
  readonly verdict: pulumi.Resource;
  /** The differences found (none: the host matches); for the test engine, which must not wait on a verdict that never comes. */
  readonly differences: pulumi.Output<string[]>;
}

export function identityCheck(profile: Profile, catalog: Catalog, connection: SshConnectionArgs, opts: pulumi.ComponentResourceOptions & { planDigest?: string } = {}): IdentityCheck {
  const { planDigest, ...resourceOpts } = opts;
  const expected = {
    gpus: profile.hardware.gpus.map((g) => `${g.count} x ${g.model}${g.uuids ? ` (${g.uuids.join(", ")})` : ""}`),
    drives: profile.hardware.drives.map((d) => ({ serial: d.serial, id: d.id })),
  };
  const run = shellCommand(connection.user);
  const probe = new command.remote.Command(
    IDENTITY_NAMES.probe,
    {
      connection: connectionInput(connection),
      create: run,
      update: run,
      // Read-only: nvidia-smi or lspci, lsblk, udev's serials (src/discover/probe.ts).
      stdin: `# aiws: is this the machine ${profile.name} describes? ${JSON.stringify(expected)}\n${planDigest ? `# aiws: before the steps of plan ${planDigest}\n` : ""}${probeScript()}`,
      addPreviousOutputInEnv: false,
    },
    { ...resourceOpts, deleteBeforeReplace: true },
  );
  const differences = probe.stdout.apply((out) => identityDifferences(profile, hostFacts(splitSections(out)), catalog));
  // The verdict is a local command that fails with the differences (Pulumi shows its stderr
  // and creates nothing that depends on it), or `true`.
  const verdictCommand = differences.apply((differences) =>
    differences.length === 0
      ? "true"
      : `printf '%s\\n' ${shellQuote(
          `the profile ${profile.name} does not describe this host, so no step was run:\n  - ${differences.join("\n  - ")}\n` +
            "Fix the profile (npm run discover -- --compare <profile> lists the differences), or point aiws:host at the right machine.",
        )} >&2; exit 1`,
  );
  const verdict = new command.local.Command(IDENTITY_NAMES.verdict, { create: verdictCommand }, { ...resourceOpts, dependsOn: [probe], deleteBeforeReplace: true });
  return { verdict, differences };
}
