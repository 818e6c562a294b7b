import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderScript } from "../../src/step/render.js";
import { planSteps } from "../../src/host/plan.js";
import type { Step } from "../../src/step/step.js";
import { loadProfile } from "../../src/profile/load.js";
import { FAKE_CONCERNS, installMocks, isSecretWrapped, plainStrings, registered, reset, setStdout, TEST_HOST_KEY, TEST_KEY, unwrap, value, type Registered } from "./harness.js";

// Mocks first, then the program (pulumi/docs testing/unit.md): imported in beforeAll.
let program: typeof import("../../src/pulumi/program.js");
let wiring: typeof import("../../src/pulumi/index.js");
beforeAll(async () => {
  await installMocks();
  program = await import("../../src/pulumi/program.js");
  wiring = await import("../../src/pulumi/index.js");
});
beforeEach(() => reset());

const SECRET = "restic-pw-Zq8'\"$x";
const profile = loadProfile("profiles/base.yaml").profile;
const plan = planSteps(profile, FAKE_CONCERNS);
const byId = new Map(plan.map((s) => [s.id, s]));

async function build(user = "aiws", repair?: string) {
  const ws = program.buildWorkstation(
    { profile: "profiles/base.yaml", host: "ws.lan", user, port: 2222, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY, secrets: { resticPassword: SECRET }, ...(repair ? { repair } : {}) },
    { concerns: FAKE_CONCERNS },
  );
  // Every registration this scenario caused has reached the mock once each resource's URN and stdout resolve.
  await Promise.all(ws.resources.steps.flatMap((s) => [s.command, s.rebootDown, s.rebootUp]).filter((r) => r !== undefined).map((r) => value(r.urn)));
  await Promise.all(ws.resources.concerns.map((c) => value(c.urn)));
  return ws;
}

const named = (name: string): Registered => {
  const r = registered.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}; registered: ${registered.map((x) => x.name).join(", ")}`);
  return r;
};
const commands = () => registered.filter((r) => r.type === "command:remote:Command" || r.type === "command:local:Command");

describe("the fake plan under mocks", () => {
  it("registers one component per concern with steps, and one command per step", async () => {
    await build();
    expect(registered.filter((r) => r.type === "aiws:host:Concern").map((r) => r.name)).toEqual(["base", "nvidia", "backup"]);
    const remote = registered.filter((r) => r.type === "command:remote:Command").map((r) => r.name);
    for (const s of plan) expect(remote.filter((n) => n === s.id)).toHaveLength(1);
    expect(remote).toContain("nvidia-driver-reboot-up");
    expect(registered.filter((r) => r.type === "command:local:Command").map((r) => r.name)).toEqual(["hardware-identity-verdict", "nvidia-driver-reboot-down"]);
  });

  it("registers the commands one after another in plan order, the reboot wait right after the driver", async () => {
    await build();
    expect(commands().map((r) => r.name)).toEqual([
      // First, is this the machine the profile describes (src/pulumi/identity.ts)?
      "hardware-identity",
      "hardware-identity-verdict",
      "base-sysctl",
      "base-packages",
      "nvidia-driver",
      "nvidia-driver-reboot-down",
      "nvidia-driver-reboot-up",
      "gpu-power-limits",
      "backup-restic",
    ]);
    // dependsOn is honoured: a step is registered after everything in its `after`.
    const pos = new Map(registered.map((r) => [r.name, r.order]));
    for (const s of plan) for (const dep of s.after) expect(pos.get(dep)!).toBeLessThan(pos.get(s.id)!);
    expect(pos.get("nvidia-driver-reboot-up")!).toBeLessThan(pos.get("gpu-power-limits")!);
  });

  it("parents every command on its concern's component (the URN carries the parent type)", async () => {
    const ws = await build();
    for (const s of ws.resources.steps) {
      expect(await value(s.command.urn)).toBe(`urn:pulumi:test::aiws::aiws:host:Concern$command:remote:Command::${s.step.id}`);
    }
    const nv = ws.resources.steps.find((s) => s.step.id === "nvidia-driver")!;
    expect(await value(nv.rebootUp!.urn)).toMatch(/aiws:host:Concern\$command:remote:Command::nvidia-driver-reboot-up$/);
    expect(await value(nv.rebootDown!.urn)).toMatch(/aiws:host:Concern\$command:local:Command::nvidia-driver-reboot-down$/);
    expect(ws.resources.steps.find((s) => s.step.id === "gpu-power-limits")!.gate).toBe(ws.resources.steps.find((s) => s.step.id === "gpu-power-limits")!.command);
    expect(nv.gate).toBe(nv.rebootUp);
  });

  it("runs the converge script on stdin of sudo -n bash -s, no triggers, no environment", async () => {
    await build("aiws");
    for (const s of plan) {
      const r = named(s.id);
      expect(r.inputs.create).toBe("sudo -n bash -s");
      expect(r.inputs.update).toBe("sudo -n bash -s");
      expect(r.inputs.triggers).toBeUndefined();
      expect(r.inputs.environment).toBeUndefined();
      expect(r.inputs.addPreviousOutputInEnv).toBe(false);
      expect(unwrap(r.inputs.stdin)).toBe(renderScript(s, "converge", s.secrets.length ? { resticPassword: SECRET } : undefined, s.reboot === "if-needed" ? { onRebootRequired: wiring.scheduleRebootSnippet(s) } : {}));
    }
  });

  it("uses bash -s when the user is root", async () => {
    await build("root");
    for (const r of commands().filter((c) => c.type === "command:remote:Command")) {
      expect(r.inputs.create).toBe("bash -s");
      expect(String(r.inputs.delete ?? "bash -s")).toMatch(/^bash -s/);
    }
  });

  it("connects with host, port, user, the key as a secret and sensible dial limits", async () => {
    await build();
    const conn = named("base-sysctl").inputs.connection;
    expect(isSecretWrapped(conn)).toBe(true);
    const c = unwrap(conn) as Record<string, unknown>;
    expect(c).toMatchObject({ host: "ws.lan", port: 2222, user: "aiws", privateKey: TEST_KEY, dialErrorLimit: 10, perDialTimeout: 15 });
    expect(c.hostKey).toBe(TEST_HOST_KEY);
    expect((unwrap(named("nvidia-driver-reboot-up").inputs.connection) as Record<string, unknown>).dialErrorLimit).toBe(120);
  });

  it("never puts the private key or a secret in a plain input", async () => {
    await build();
    expect(registered.length).toBeGreaterThan(0);
    for (const r of registered) {
      for (const s of plainStrings(r.inputs)) {
        expect(s, `${r.name}`).not.toContain("BEGIN OPENSSH PRIVATE KEY");
        expect(s, `${r.name}`).not.toContain("TEST-ONLY-NOT-A-REAL-KEY");
        expect(s, `${r.name}`).not.toContain(SECRET);
        expect(s, `${r.name}`).not.toContain("restic-pw");
      }
    }
    const restic = named("backup-restic");
    expect(isSecretWrapped(restic.inputs.stdin)).toBe(true);
    expect(restic.inputs.logging).toBe("none");
    expect(unwrap(restic.inputs.stdin)).toContain(SECRET);
    expect(named("base-sysctl").inputs.logging).toBeUndefined();
  });

  it("marks a secret step's outputs secret and lets a replace delete first", () => {
    const sc = wiring.stepCommand(byId.get("backup-restic")!, { connection: { host: "h", port: 22, user: "root", privateKey: TEST_KEY }, secrets: { resticPassword: SECRET } });
    expect(sc.opts).toEqual({ deleteBeforeReplace: true, additionalSecretOutputs: ["stdout", "stderr"] });
    const plainStep = wiring.stepCommand(byId.get("base-sysctl")!, { connection: { host: "h", port: 22, user: "root", privateKey: TEST_KEY } });
    expect(plainStep.opts).toEqual({ deleteBeforeReplace: true });
    expect(() => wiring.stepCommand(byId.get("backup-restic")!, { connection: { host: "h", port: 22, user: "root", privateKey: TEST_KEY } })).toThrow(/needs secret resticPassword/);
  });
});

describe("delete", () => {
  it("runs the remove script even though the provider sends the old converge script on stdin", async () => {
    await build("root");
    const dir = mkdtempSync(join(tmpdir(), "aiws-delete-"));
    try {
      const s: Step = { ...byId.get("base-sysctl")!, check: `test -e ${dir}/state`, apply: `touch ${dir}/state`, remove: `rm -f ${dir}/state; echo removed > ${dir}/log` };
      writeFileSync(join(dir, "state"), "");
      const del = wiring.removeCommand(s, "bash -s");
      // sshd runs the command string with the login shell: sh -c, stdin = the resource's last stdin.
      const r = spawnSync("sh", ["-c", del], { input: renderScript(s, "converge"), encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(existsSync(join(dir, "state"))).toBe(false);
      expect(readFileSync(join(dir, "log"), "utf8")).toBe("removed\n");
      expect(unwrap(named("base-sysctl").inputs.delete)).toBe(wiring.removeCommand(byId.get("base-sysctl")!, "bash -s"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never holds a secret: the remove script is rendered without them", async () => {
    await build();
    const del = named("backup-restic").inputs.delete;
    expect(typeof del).toBe("string");
    expect(del).not.toContain(SECRET);
    expect(del).toMatch(/^sudo -n bash -s <<'AIWS_REMOVE_SCRIPT'\n/);
  });
});

describe("the reboot wait", () => {
  const BOOT = "0b4d2c1e-9f3a-4c1b-8e2d-7a6f5e4d3c2b";

  it("does nothing while the driver step reports no reboot", async () => {
    await build();
    expect(named("nvidia-driver-reboot-down").inputs.create).toBe("true # nvidia-driver: no reboot pending");
    const up = unwrap(named("nvidia-driver-reboot-up").inputs.stdin) as string;
    expect(up).toContain('echo "aiws: nvidia-driver: no reboot pending"');
    expect(up).not.toContain("boot_id");
  });

  it("sleeps, then waits for a new boot and runs the driver's check, when the driver scheduled a reboot", async () => {
    setStdout((name) => (name === "nvidia-driver" ? `aiws: nvidia-driver: not in sync: x\naiws: nvidia-driver: reboot required\naiws: nvidia-driver: reboot scheduled from boot ${BOOT}` : ""));
    await build();
    const down = named("nvidia-driver-reboot-down").inputs.create as string;
    expect(down).toMatch(/^bash -c '/);
    expect(down).toContain("sleep 20\n");
    expect(down).toContain(`# let the host go down and come back: nvidia-driver scheduled a reboot from boot ${BOOT}`);
    const up = named("nvidia-driver-reboot-up");
    expect(up.inputs.create).toBe("sudo -n bash -s");
    expect(up.inputs.delete).toBeUndefined();
    const script = unwrap(up.inputs.stdin) as string;
    expect(script).toContain(`aiws_before=${BOOT}`);
    expect(script).toContain(byId.get("nvidia-driver")!.check);
  });

  it("the driver's converge schedules the reboot with systemd-run and prints the boot id the wait parses", () => {
    const s = byId.get("nvidia-driver")!;
    const snippet = wiring.scheduleRebootSnippet(s);
    expect(snippet).toContain("systemd-run");
    expect(snippet).toContain("--on-active=5");
    expect(wiring.scheduledFromBoot(s, `noise\naiws: nvidia-driver: reboot scheduled from boot ${BOOT}\nmore`)).toBe(BOOT);
    expect(wiring.scheduledFromBoot(s, "aiws: nvidia-driver: in sync")).toBeUndefined();
    expect(wiring.scheduledFromBoot(s, `aiws: other-step: reboot scheduled from boot ${BOOT}`)).toBeUndefined();
  });

  it("the wait-for-host script passes on a new boot with the check passing, and fails on the old boot", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-boot-"));
    try {
      const s: Step = { ...byId.get("nvidia-driver")!, check: `test -e ${dir}/ok || { echo "driver not loaded"; exit 1; }` };
      const current = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      const runCheck = (boot: string) => spawnSync("bash", ["-s"], { input: renderScript(wiring.rebootWaitStep(s, boot), "check"), encoding: "utf8", timeout: 20_000 });
      const old = runCheck(current);
      expect(old.status).toBe(1);
      expect(old.stderr).toContain("the host has not rebooted yet");
      const fresh = runCheck(BOOT);
      expect(fresh.stdout).toContain("aiws: nvidia-driver: host is back");
      expect(fresh.stdout).toContain("driver not loaded");
      expect(fresh.status).toBe(1);
      writeFileSync(join(dir, "ok"), "");
      expect(runCheck(BOOT).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a repair request (aiws:repair)", () => {
  it("changes the scripts of the named steps only, so Pulumi runs exactly those again", async () => {
    await build();
    const before = new Map(registered.map((r) => [r.name, JSON.stringify(r.inputs.stdin)]));
    reset();
    await build("aiws", "base-packages,backup-restic,gone-step@20261127T101500Z");
    const changed = registered.filter((r) => JSON.stringify(r.inputs.stdin) !== before.get(r.name)).map((r) => r.name);
    // And the read-only hardware probe, which runs before any step does (its input digests the plan).
    expect(changed.sort()).toEqual(["backup-restic", "base-packages", "hardware-identity"]);
    expect(unwrap(named("base-packages").inputs.stdin)).toContain("# aiws: run again on request 20261127T101500Z\n");
    // The same request again changes nothing more.
    const first = JSON.stringify(named("base-packages").inputs.stdin);
    reset();
    await build("aiws", "base-packages,backup-restic,gone-step@20261127T101500Z");
    expect(JSON.stringify(named("base-packages").inputs.stdin)).toBe(first);
  });

  it("a malformed request stops the program with the key and the fix", async () => {
    const { RunError } = await import("@pulumi/pulumi");
    const f = () => program.buildWorkstation({ profile: "profiles/base.yaml", host: "ws.lan", user: "root", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY, repair: "base; rm -rf /@x" }, { concerns: FAKE_CONCERNS });
    expect(f).toThrow(RunError);
    expect(f).toThrow(/^aiws:repair is "base; rm -rf \/@x": .*pulumi config rm aiws:repair/);
    expect(registered).toHaveLength(0);
  });
});

describe("a plan that is not well formed registers nothing", () => {
  it("a secret no one gave stops the program with the key to set", async () => {
    const { RunError } = await import("@pulumi/pulumi");
    expect(() =>
      program.buildWorkstation({ profile: "profiles/base.yaml", host: "ws.lan", user: "root", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY }, { concerns: FAKE_CONCERNS, readSecret: () => undefined }),
    ).toThrow(RunError);
    expect(() =>
      program.buildWorkstation({ profile: "profiles/base.yaml", host: "ws.lan", user: "root", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY }, { concerns: FAKE_CONCERNS, readSecret: () => undefined }),
    ).toThrow(/aiws:resticPassword is not set: .*backup-restic.*pulumi config set --secret aiws:resticPassword/);
    expect(registered).toHaveLength(0);
  });

  it("a concern whose steps are not together, or a name used twice, is refused before any resource", () => {
    const a = plan[0]!;
    const b = plan[2]!;
    expect(() => wiring.groupByConcern([a, b, { ...a, id: "again" }])).toThrow(/not together/);
    expect(() =>
      wiring.hostResources({ steps: [b, { ...b, id: "nvidia-driver-reboot-up", reboot: "never", after: [] }], connection: { host: "h", port: 22, user: "root", privateKey: TEST_KEY } }),
    ).toThrow(/used twice/);
    expect(registered).toHaveLength(0);
  });
});

describe("the hardware check before the first step (src/pulumi/identity.ts)", () => {
  it("probes the host read-only first; every step waits for the verdict, which passes on the profile's machine", async () => {
    const ws = await build();
    const probe = named("hardware-identity");
    expect(unwrap(probe.inputs.stdin)).toMatch(/^# aiws: is this the machine base describes\? \{"gpus":\["1 x rtx-pro-6000-blackwell-max-q"\],"drives":\[/);
    expect(String(unwrap(probe.inputs.stdin))).not.toMatch(/\b(mkfs|wipefs|rm|apt-get|dd)\b/);
    expect(await value(ws.resources.identity!.differences)).toEqual([]);
    expect(named("hardware-identity-verdict").inputs.create).toBe("true");
    const pos = new Map(registered.map((r) => [r.name, r.order]));
    for (const s of plan) expect(pos.get("hardware-identity-verdict")!).toBeLessThan(pos.get(s.id)!);
  });

  it("the probe's input carries a digest of the plan: any step about to run (a changed step, a repair stamp) runs the probe first; an unchanged plan runs nothing", async () => {
    await build();
    const stdin = String(unwrap(named("hardware-identity").inputs.stdin));
    const digest = /^# aiws: before the steps of plan ([0-9a-f]{64})$/m.exec(stdin)?.[1];
    expect(digest).toBe(wiring.planDigest(plan));
    reset();
    await build();
    expect(String(unwrap(named("hardware-identity").inputs.stdin))).toBe(stdin);
    const changed = plan.map((s, i) => (i === 1 ? { ...s, apply: `${s.apply}\n: one more line` } : s));
    expect(wiring.planDigest(changed)).not.toBe(digest);
    expect(wiring.planDigest(plan, new Map([[plan[0]!.id, "repair-20261202"]]))).not.toBe(digest);
    reset();
    await build("aiws", `${plan[0]!.id}@20261202T220000Z`);
    expect(String(unwrap(named("hardware-identity").inputs.stdin))).not.toBe(stdin);
  });

  it("a host without a drive the profile names: the verdict fails with the differences, so nothing after it runs", async () => {
    setStdout((name) => (name === "hardware-identity" ? "@@aiws-discover:lsblk\n{\"blockdevices\":[]}\n" : ""));
    const ws = program.buildWorkstation(
      { profile: "profiles/base.yaml", host: "ws.lan", user: "aiws", port: 22, sshPrivateKey: TEST_KEY, hostKey: TEST_HOST_KEY, secrets: { resticPassword: SECRET } },
      { concerns: FAKE_CONCERNS },
    );
    const differences = await value(ws.resources.identity!.differences);
    expect(differences[0]).toMatch(/^drive S7HENJ0X100001A \(os, \/dev\/disk\/by-id\/nvme-Samsung_SSD_990_PRO_2TB_S7HENJ0X100001A\): not on the host/);
    await value(ws.resources.identity!.verdict.urn);
    const create = String(named("hardware-identity-verdict").inputs.create);
    expect(create).toMatch(/^printf '%s\\n' 'the profile base does not describe this host, so no step was run:\n {2}- drive S7HENJ0X100001A/);
    expect(create).toMatch(/>&2; exit 1$/);
    // The command really fails, printing the differences.
    const r = spawnSync("sh", ["-c", create], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Fix the profile (npm run discover -- --compare <profile> lists the differences)");
  });
});
