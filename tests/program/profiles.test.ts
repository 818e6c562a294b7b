import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkProfileFile } from "../../src/budget/check.js";
import { formatReport } from "../../src/budget/format.js";
import { CONCERNS, planSteps, type Concern } from "../../src/host/plan.js";
import type { Step } from "../../src/step/step.js";
import { FAKE_CONCERNS, installMocks, isSecretWrapped, plainStrings, registered, reset, TEST_HOST_KEY, TEST_KEY, value } from "./harness.js";

let program: typeof import("../../src/pulumi/program.js");
beforeAll(async () => {
  await installMocks();
  program = await import("../../src/pulumi/program.js");
});
beforeEach(() => reset());

/** Every shipped profile (not the catalogs). */
const PROFILES = readdirSync("profiles")
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => `profiles/${f}`);

const secretValue = (name: string) => `s3cret-value-of-${name}-Q7`;

async function build(file: string, concerns: readonly Concern[]) {
  const report = checkProfileFile(file);
  const steps = planSteps(report.profile!, concerns);
  const secrets = Object.fromEntries([...new Set(steps.flatMap((s) => s.secrets))].map((n) => [n, secretValue(n)]));
  const ws = program.buildWorkstation({ profile: file, host: "ws.lan", user: "aiws", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY, secrets }, { concerns });
  await Promise.all(ws.resources.steps.flatMap((s) => [s.command, s.rebootDown, s.rebootUp]).filter((r) => r !== undefined).map((r) => value(r.urn)));
  await Promise.all(ws.resources.concerns.map((c) => value(c.urn)));
  return { ws, steps, secrets };
}

/** What must hold for any plan, as concerns are added: checked on the real plan and on the fake one. */
async function assertWiring(file: string, concerns: readonly Concern[]) {
  const { ws, steps, secrets } = await build(file, concerns);
  const remote = registered.filter((r) => r.type === "command:remote:Command");
  const pos = new Map(registered.map((r) => [r.name, r.order]));

  // Exactly one command per step, named by its id, registered in plan order.
  for (const s of steps) expect(remote.filter((r) => r.name === s.id), s.id).toHaveLength(1);
  const ids = new Set(steps.map((s) => s.id));
  expect(remote.filter((r) => ids.has(r.name)).map((r) => r.name)).toEqual(steps.map((s) => s.id));
  expect(ws.outputs.steps).toEqual(steps.map((s) => s.id));

  // Dependencies first; whatever follows a step that may reboot waits for the host to return.
  steps.forEach((s: Step, i) => {
    for (const dep of s.after) expect(pos.get(dep)!, `${s.id} after ${dep}`).toBeLessThan(pos.get(s.id)!);
    const prev = steps[i - 1];
    if (prev?.reboot === "if-needed") expect(pos.get(`${prev.id}-reboot-up`)!).toBeLessThan(pos.get(s.id)!);
    if (s.reboot === "if-needed") {
      expect(pos.get(`${s.id}-reboot-down`)!).toBeGreaterThan(pos.get(s.id)!);
      expect(pos.get(`${s.id}-reboot-up`)!).toBeGreaterThan(pos.get(`${s.id}-reboot-down`)!);
    }
  });

  // One component per concern that has steps, in plan order; each command is its child.
  const concernsWithSteps = [...new Set(steps.map((s) => s.concern))];
  expect(registered.filter((r) => r.type === "aiws:host:Concern").map((r) => r.name)).toEqual(concernsWithSteps);
  for (const s of ws.resources.steps) {
    expect(await value(s.command.urn)).toBe(`urn:pulumi:test::aiws::aiws:host:Concern$command:remote:Command::${s.step.id}`);
  }

  // The key and the secrets never travel in a plain input; a secret step is quiet.
  const hidden = [TEST_KEY.split("\n")[1]!, ...Object.values(secrets)];
  for (const r of registered) {
    for (const text of plainStrings(r.inputs)) for (const h of hidden) expect(text.includes(h), `${r.name} carries a secret in plain text`).toBe(false);
    if (r.type === "command:remote:Command") expect(isSecretWrapped(r.inputs.connection), r.name).toBe(true);
  }
  for (const s of steps.filter((x) => x.secrets.length > 0)) {
    const r = remote.find((x) => x.name === s.id)!;
    expect(isSecretWrapped(r.inputs.stdin), s.id).toBe(true);
    expect(r.inputs.logging, s.id).toBe("none");
  }

  // What runs on the host: sudo -n bash -s, the script on stdin (each one is linted in
  // tests/unit/renderedScripts.test.ts).
  for (const r of remote) expect(r.inputs.create, r.name).toBe("sudo -n bash -s");
}

describe.each(PROFILES)("%s", (file) => {
  const report = checkProfileFile(file);

  if (report.status === "ok") {
    it("registers every step of the real plan, once, in dependency order, under its concern", async () => {
      await assertWiring(file, CONCERNS);
    });
    it("wires the fake plan too (reboot step, secret step, concerns across each other)", async () => {
      await assertWiring(file, FAKE_CONCERNS);
    });
  } else {
    it(`is ${report.status}: stops with the check report and registers nothing`, () => {
      let err: unknown;
      try {
        program.buildWorkstation({ profile: file, host: "ws.lan", user: "aiws", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY }, { concerns: FAKE_CONCERNS });
      } catch (e) {
        err = e;
      }
      expect(pulumi.RunError.isInstance(err)).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(formatReport(checkProfileFile(resolve(file))));
      expect(message).toContain("nothing was changed on ws.lan");
      expect(registered).toHaveLength(0);
    });
  }
});

describe("refusals", () => {
  it("a16z is refused by its budgets", () => {
    expect(checkProfileFile("profiles/a16z.yaml").status).toBe("refused");
    expect(() => program.buildWorkstation({ profile: "profiles/a16z.yaml", host: "ws.lan", user: "root", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY })).toThrow(
      /^aiws:profile profiles\/a16z.yaml is refused by its budgets; nothing was changed on ws.lan\.\n.*REFUSED/,
    );
    expect(registered).toHaveLength(0);
  });

  describe("an invalid profile", () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "aiws-invalid-"))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("stops with every problem, file and line, and registers nothing", () => {
      const file = join(dir, "broken.yaml");
      writeFileSync(file, `extends: ${resolve("profiles/base.yaml")}\nname: broken\nhardware:\n  gpus:\n    - model: rtx-9090\n      count: 1\n`);
      expect(checkProfileFile(file).status).toBe("invalid");
      let err: unknown;
      try {
        program.buildWorkstation({ profile: file, host: "ws.lan", user: "root", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY }, { concerns: FAKE_CONCERNS });
      } catch (e) {
        err = e;
      }
      expect(pulumi.RunError.isInstance(err)).toBe(true);
      expect((err as Error).message).toContain("is not a valid profile");
      expect((err as Error).message).toContain("rtx-9090");
      expect((err as Error).message).toContain(formatReport(checkProfileFile(file)));
      expect((err as Error).stack).toBe(`RunError: ${(err as Error).message}`);
      expect(registered).toHaveLength(0);
    });

    it("a profile that does not exist says so", () => {
      expect(() => program.buildWorkstation({ profile: "profiles/nope.yaml", host: "ws.lan", user: "root", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY })).toThrow(
        /aiws:profile profiles\/nope.yaml is not a valid profile/,
      );
      expect(registered).toHaveLength(0);
    });
  });
});
