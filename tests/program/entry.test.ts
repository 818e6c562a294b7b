import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planSteps } from "../../src/host/plan.js";
import { loadProfile } from "../../src/profile/load.js";
import { TEST_HOST_KEY, TEST_KEY } from "./harness.js";

/**
 * The entry point as `pulumi up` loads it: node with Pulumi.yaml's nodeargs, and @pulumi/pulumi's
 * own language-host code (cmd/run `run()`) resolving `main`, importing the ESM TypeScript entry
 * and calling its default export (fixtures/langhost.mjs). Only the engine is a mock.
 */
const project = parse(readFileSync("Pulumi.yaml", "utf8")) as {
  name: string;
  main: string;
  stackConfigDir: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
  config: Record<string, { type: string; description: string; default?: unknown; secret?: boolean }>;
};

/** Config for every secret the real plan of base.yaml needs (concerns land over time). */
const planSecrets = Object.fromEntries(
  [...new Set(planSteps(loadProfile("profiles/base.yaml").profile).flatMap((s) => s.secrets))].map((n) => [`aiws:${n}`, `test-secret-${n}`]),
);

function langhost(config: Record<string, string>, nodeargs = project.runtime.options.nodeargs) {
  const secretKeys = ["aiws:sshPrivateKey", ...Object.keys(planSecrets)];
  const r = spawnSync(process.execPath, [...nodeargs.split(" ").filter(Boolean), "tests/program/fixtures/langhost.mjs", project.main], {
    encoding: "utf8",
    env: { ...process.env, AIWS_TEST_CONFIG: JSON.stringify({ ...planSecrets, ...config }), AIWS_TEST_SECRET_KEYS: JSON.stringify(secretKeys) },
    timeout: 60_000,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no result from the language host:\n${r.stdout}\n${r.stderr}`);
  return { ...(JSON.parse(line) as { ok: boolean; registered: { type: string; name: string }[]; outputs?: Record<string, unknown>; runError?: boolean; message?: string }), stderr: r.stderr };
}

describe("Pulumi.yaml", () => {
  it("is the aiws nodejs project with main stacks/workstation and stack files in stacks/", () => {
    expect(project.name).toBe("aiws");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.main).toBe("stacks/workstation");
    expect(project.stackConfigDir).toBe("stacks");
    expect(project.runtime.options).toEqual({ typescript: false, nodeargs: "--import tsx" });
  });

  it("declares every key the program reads, each with a description; the key is secret; user and port default", () => {
    expect(Object.keys(project.config).sort()).toEqual(["host", "hostKey", "insecureIgnoreHostKey", "port", "profile", "repair", "sshPrivateKey", "user"]);
    for (const [k, v] of Object.entries(project.config)) expect(v.description, k).toMatch(/\w{3,}/);
    expect(project.config.sshPrivateKey!.secret).toBe(true);
    expect(project.config.user!.default).toBe("root");
    expect(project.config.port).toMatchObject({ type: "integer", default: 22 });
    expect(project.config.hostKey!.default).toBe("");
    expect(project.config.insecureIgnoreHostKey).toMatchObject({ type: "boolean", default: false });
    expect(project.config.repair!.default).toBe("");
  });

  it("the example stack names a shipped profile and holds no key material", () => {
    const text = readFileSync("stacks/Pulumi.example.yaml", "utf8");
    const stack = parse(text) as { config: Record<string, unknown> };
    expect(stack.config["aiws:profile"]).toBe("profiles/base.yaml");
    expect(stack.config["aiws:sshPrivateKey"]).toBeUndefined();
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    expect(text).toContain("pulumi config set --secret aiws:sshPrivateKey < ~/.ssh/aiws_ed25519");
  });
});

describe("the entry point, loaded the way the language host loads it", () => {
  it("runs the program and returns the stack outputs", () => {
    const r = langhost({ "aiws:profile": "profiles/base.yaml", "aiws:host": "ws.lan", "aiws:user": "aiws", "aiws:sshPrivateKey": TEST_KEY, "aiws:hostKey": TEST_HOST_KEY });
    expect(r.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.outputs).toMatchObject({ profile: "base", host: "ws.lan", user: "aiws" });
    expect(r.registered[0]).toEqual({ type: "pulumi:pulumi:Stack", name: "aiws-workstation" });
    const steps = r.outputs!.steps as string[];
    expect(r.registered.filter((x) => x.type === "command:remote:Command" && steps.includes(x.name)).map((x) => x.name)).toEqual(steps);
  });

  it("a stack with no host stops with one clear message, no stack trace, nothing registered but the stack", () => {
    const r = langhost({ "aiws:profile": "profiles/base.yaml", "aiws:sshPrivateKey": TEST_KEY, "aiws:hostKey": TEST_HOST_KEY });
    expect(r.ok).toBe(false);
    expect(r.runError).toBe(true);
    expect(r.message).toBe("aiws:host is not set: it is the workstation's address. Fix: pulumi config set aiws:host 192.168.1.50");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.registered.map((x) => x.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("a refused profile stops with the check report and registers nothing", () => {
    const r = langhost({ "aiws:profile": "profiles/a16z.yaml", "aiws:host": "ws.lan", "aiws:sshPrivateKey": TEST_KEY, "aiws:hostKey": TEST_HOST_KEY });
    expect(r.runError).toBe(true);
    expect(r.message).toMatch(/^aiws:profile profiles\/a16z.yaml is refused by its budgets; nothing was changed on ws.lan\./);
    expect(r.message).toContain("REFUSED");
    expect(r.registered.map((x) => x.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("needs the tsx loader: without it node cannot resolve the entry's imports", () => {
    const r = langhost({ "aiws:profile": "profiles/base.yaml", "aiws:host": "ws.lan", "aiws:sshPrivateKey": TEST_KEY, "aiws:hostKey": TEST_HOST_KEY }, "");
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/Cannot find module .*config\.js|Unknown file extension/);
  });
});
