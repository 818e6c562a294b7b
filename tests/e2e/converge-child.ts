/**
 * One converge of the lab through the test engine in a process of its own, for the e2e case
 * of two converges started together (the engine runs the program under Pulumi's mocks, which
 * are global to a process). Usage: tsx tests/e2e/converge-child.ts PROFILE USER
 * Prints each command as it finishes and, last, the summary as one JSON line; exit 0 when the
 * converge succeeded.
 */
import { engineUp } from "../../src/engine/engine.js";
import { labStackConfig } from "../../lab/workstation.js";

const [profile, user] = process.argv.slice(2);
if (!profile || !user) {
  console.error("usage: tsx tests/e2e/converge-child.ts PROFILE USER");
  process.exit(2);
}
const { config, secretKeys } = labStackConfig({ profile, user });
const s = await engineUp({ config, secretKeys });
const records = s.records.map((r) => ({ name: r.name, outcome: r.outcome, stdout: r.secret ? "" : r.stdout, error: r.error ?? "" }));
console.log(JSON.stringify({ ok: s.ok, applied: s.applied, inSync: s.inSync, steps: s.steps, error: s.error ?? "", records }));
process.exitCode = s.ok ? 0 : 1;
