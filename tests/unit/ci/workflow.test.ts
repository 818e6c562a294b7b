import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The drift workflow holds the passphrase that decrypts the workstation's SSH key, on a
 * persistent self-hosted runner: only trusted events may reach it, secrets go only to the
 * steps that use them, and nothing it runs can be changed under it (actions pinned by commit,
 * the Pulumi CLI at a fixed version that Pulumi.yaml requires).
 */
const ROOT = join(import.meta.dirname, "../../..");

interface Step {
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  id?: string;
}
interface Job {
  if?: string;
  "runs-on": string | string[];
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const wf = parse(readFileSync(join(ROOT, ".github/workflows/drift.yml"), "utf8")) as Workflow;
const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { requiredPulumiVersion?: string };
const jobs = Object.entries(wf.jobs);
const usesSecrets = (x: unknown) => JSON.stringify(x ?? {}).includes("secrets.");
const selfHosted = (j: Job) => [j["runs-on"]].flat().includes("self-hosted");

describe(".github/workflows/drift.yml", () => {
  it("runs on schedule, manual dispatch, pushes to main, and pull requests", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"]);
    expect(wf.on.push).toEqual({ branches: ["main"] });
  });

  it("keeps secrets and the self-hosted runner away from pull requests", () => {
    for (const [name, job] of jobs) {
      if (!usesSecrets(job) && !selfHosted(job)) continue;
      expect(job.if, name).toBe("github.event_name != 'pull_request'");
    }
    const forPullRequests = jobs.filter(([, j]) => j.if === "github.event_name == 'pull_request'");
    expect(forPullRequests.length).toBe(1);
    for (const [, j] of forPullRequests) {
      expect(usesSecrets(j)).toBe(false);
      expect(selfHosted(j)).toBe(false);
    }
  });

  it("gives secrets to steps only, never to a whole job or the workflow", () => {
    expect(usesSecrets(wf.env)).toBe(false);
    for (const [name, job] of jobs) {
      expect(usesSecrets(job.env), name).toBe(false);
      for (const step of job.steps) {
        const { env, ...rest } = step;
        expect(usesSecrets(rest), `${name}: ${step.run ?? step.uses}`).toBe(false);
        if (usesSecrets(env)) expect(Object.values(env!).filter((v) => v.includes("secrets.")).length).toBe(1);
      }
    }
  });

  it("pins every action by its full commit, and checks out without keeping the token", () => {
    const uses = jobs.flatMap(([, j]) => j.steps.map((s) => s.uses).filter((u): u is string => !!u));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const [, j] of jobs) {
      for (const s of j.steps.filter((x) => x.uses?.startsWith("actions/checkout@"))) expect(s.with?.["persist-credentials"]).toBe(false);
    }
  });

  it("installs the Pulumi CLI through pulumi/actions at a fixed version that Pulumi.yaml requires", () => {
    const steps = jobs.flatMap(([, j]) => j.steps);
    const install = steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(install).toHaveLength(1);
    const version = String(install[0]!.with?.["pulumi-version"]);
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(steps.some((s) => /curl[^\n]*\|\s*(ba)?sh/.test(s.run ?? ""))).toBe(false);
    const m = /^>=(\d+\.\d+\.\d+) <(\d+)\.0\.0$/.exec(project.requiredPulumiVersion ?? "");
    expect(m, "Pulumi.yaml requiredPulumiVersion").not.toBeNull();
    const [maj, min, pat] = version.split(".").map(Number) as [number, number, number];
    const [lmaj, lmin, lpat] = m![1]!.split(".").map(Number) as [number, number, number];
    expect(maj * 1e6 + min * 1e3 + pat).toBeGreaterThanOrEqual(lmaj * 1e6 + lmin * 1e3 + lpat);
    expect(maj).toBeLessThan(Number(m![2]));
  });

  it("tells drift (exit 1) from an error (exit 2) in the summary and the job's failure", () => {
    const drift = wf.jobs.drift!;
    const check = drift.steps.find((s) => s.id === "drift")!.run!;
    expect(check).toContain("case $code in 0) outcome=in-sync ;; 1) outcome=drift ;; *) outcome=error ;; esac");
    const summary = drift.steps.find((s) => s.run?.includes("GITHUB_STEP_SUMMARY"))!.run!;
    expect(summary).toContain('drift) echo "DRIFT"');
    expect(summary).toContain('echo "ERROR (could not tell)"');
    const fail = drift.steps.at(-1)!.run!;
    expect(fail).toMatch(/= error \]; then exit 2; fi/);
    expect(fail).toMatch(/= drift \]; then exit 1; fi/);
  });
});
