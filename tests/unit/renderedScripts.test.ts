/**
 * Every script aiws would send to a host, for every shipped and lab profile: each step's
 * converge script (secrets stand-ins), its drift check, its remove command, and for a step
 * that may reboot the wait's scripts (the local wait for the host to go down, the check run
 * once it is back). The converge script carries the step's phases in quoted here-documents,
 * which shellcheck does not read: each phase is linted as the file the runner runs
 * (phaseFile). One table-driven test:
 * - each distinct script and phase file is clean under shellcheck;
 * - a digest of each step's scripts is kept in __snapshots__/rendered-scripts.txt, so a change
 *   that alters what runs on hosts shows as exactly the steps it alters (`vitest -u` takes a
 *   change that is meant, and the commit says why);
 * - what a profile puts into the scripts, each step's values as its preamble assigns them, is
 *   kept as text in __snapshots__/rendered-values.txt: the rest of every script is the .sh
 *   files in the repository, so together they show a change as a reviewable diff. (The whole
 *   scripts, about 2.7 MB of mostly the same libraries, would hide it.)
 */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { planProfile } from "../../src/host/planProfile.js";
import { phaseFile, preamble, renderScript } from "../../src/step/render.js";
import type { Step } from "../../src/step/step.js";
import { removeCommand } from "../../src/pulumi/stepCommand.js";
import { rebootWaitStep, scheduleRebootSnippet, waitDownCommand } from "../../src/pulumi/reboot.js";
import { shellcheck } from "../helpers/lint.js";
import { lacks } from "../helpers/systemTools.js";

const ROOT = join(import.meta.dirname, "../..");
const PROFILES = [
  ...readdirSync(join(ROOT, "profiles"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `profiles/${f}`),
  ...readdirSync(join(ROOT, "lab/profiles"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `lab/profiles/${f}`),
].sort();

const BOOT = "0d5c5d5e-1111-4222-8333-944455556666";

/** A step's scripts, as the drivers render them (the Pulumi wiring: src/pulumi/concern.ts). */
function scriptsOf(step: Step): Record<string, string> {
  const secrets = Object.fromEntries(step.secrets.map((s) => [s, `stand-in ${s}`]));
  const reboots = step.reboot === "if-needed";
  const out: Record<string, string> = {
    converge: renderScript(step, "converge", secrets, reboots ? { onRebootRequired: scheduleRebootSnippet(step) } : undefined),
    check: renderScript(step, "check"),
    remove: removeCommand(step, "sudo -n bash -s"),
  };
  if (reboots) {
    out["wait-down"] = waitDownCommand(step, BOOT, { host: "ws.lan", port: 22 });
    out["wait-up"] = renderScript(rebootWaitStep(step, BOOT), "check", secrets);
  }
  return out;
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

describe("every script of every shipped and lab profile", () => {
  const planned = PROFILES.map((file) => ({ file, ...planProfile(join(ROOT, file)) }));

  it("plans every profile that is valid (a profile its budgets refuse is planned too: drift and switch read it)", () => {
    for (const p of planned) expect(p.report.status === "invalid" ? p.report.problems : [], p.file).toEqual([]);
    expect(planned.filter((p) => p.file.startsWith("lab/")).length).toBe(2);
  });

  it("keeps a digest of each step's scripts: a change shows as the steps it changes", async () => {
    const lines: string[] = [];
    for (const p of planned) {
      for (const step of p.steps) {
        const scripts = scriptsOf(step);
        lines.push(`${p.file} ${step.id} ${Object.entries(scripts).map(([k, v]) => `${k}:${sha(v)}`).join(" ")}`);
      }
    }
    await expect(`${lines.join("\n")}\n`).toMatchFileSnapshot("__snapshots__/rendered-scripts.txt");
  });

  it("keeps the values each profile renders into each step's scripts, as text", async () => {
    const blocks: string[] = [];
    for (const p of planned) {
      for (const step of p.steps) blocks.push([`## ${p.file} ${step.id}`, ...preamble(step).filter((l) => /^[A-Z_]+=/.test(l))].join("\n"));
    }
    await expect(`${blocks.join("\n\n")}\n`).toMatchFileSnapshot("__snapshots__/rendered-values.txt");
  });

  it.skipIf(lacks("shellcheck"))("each distinct script and phase file is clean under shellcheck", () => {
    const distinct = new Map<string, string>();
    for (const p of planned) {
      for (const step of p.steps) {
        const phases = Object.fromEntries((["check", "apply", "remove"] as const).map((ph) => [`${ph} phase`, phaseFile(step, ph)]));
        for (const [kind, text] of Object.entries({ ...scriptsOf(step), ...phases })) if (!distinct.has(text)) distinct.set(text, `${p.file} ${step.id} ${kind}`);
      }
    }
    const findings: string[] = [];
    for (const [text, where] of distinct) {
      const found = shellcheck(text);
      if (found) findings.push(`${where}:\n${found}`);
    }
    expect(findings).toEqual([]);
    expect(distinct.size).toBeGreaterThan(100);
  }, 600_000);
});
