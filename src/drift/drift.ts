import { formatProblem } from "../profile/problems.js";
import { planProfile } from "../host/planProfile.js";
import { renderScript } from "../step/render.js";
import { SshSession, SSH_FAILED, sshFailure } from "../ssh/ssh.js";
import { batchChecks, parseBatchOutput } from "./batch.js";
import { driftReport, unreachableReport, type DriftReport } from "./report.js";
import type { Target } from "../ssh/target.js";
import { repairCommand } from "../step/repair.js";
import { probeScript, splitSections } from "../discover/probe.js";
import { hostFacts } from "../discover/facts.js";
import { identityDifferences } from "../discover/compare.js";
import { loadCatalog } from "../profile/catalog.js";

/**
 * Runs every step's check on the host over one SSH connection and reports each step as in
 * sync or drifted. Checks never change anything; secrets are never sent for them.
 */
export async function runDrift(target: Target, opts: { session?: SshSession } = {}): Promise<DriftReport> {
  const name = `${target.ssh.user}@${target.ssh.host}`;
  // Planned even when a budget refuses it: drift reads the host, it changes nothing.
  const { report, steps } = planProfile(target.profile);
  const profile = report.profile;
  if (!profile) return unreachableReport(name, target.profile, `invalid profile:\n  ${report.problems.map(formatProblem).join("\n  ")}`);
  const batch = batchChecks(steps, (s) => renderScript(s, "check"));
  const session = opts.session ?? new SshSession(target.ssh);
  try {
    // First, is this the machine the profile describes? Its GPUs and drives, read-only.
    const probe = await session.runScript(probeScript());
    if (probe.code === SSH_FAILED) return unreachableReport(name, target.profile, sshFailure(probe, session.name));
    const catalog = loadCatalog().catalog;
    const differences = catalog ? identityDifferences(profile, hostFacts(splitSections(probe.stdout)), catalog) : [];
    if (differences.length > 0) {
      return {
        ...unreachableReport(name, target.profile, `${target.profile} does not describe this host, so its checks would mean nothing:\n  - ${differences.join("\n  - ")}\n  Fix the profile (npm run discover -- --compare ${target.profile} lists the differences), or point at the right host.`),
        hardware: differences,
      };
    }
    const r = await session.runScript(batch.script);
    if (r.code === SSH_FAILED && !r.stdout.includes(batch.marker)) return unreachableReport(name, target.profile, sshFailure(r, session.name));
    const outcomes = parseBatchOutput(r.stdout, batch.marker);
    return driftReport(name, target.profile, steps, outcomes, (ids) => repairCommand(ids, target.stack));
  } finally {
    if (!opts.session) await session.close();
  }
}
