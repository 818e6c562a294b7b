import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { planSteps } from "../../src/host/plan.js";
import { loadProfile } from "../../src/profile/load.js";
import { installMocks, registered, reset, TEST_HOST_KEY, TEST_KEY, value } from "./harness.js";

// The stack's config as `pulumi up` gives it: aiws:* keys, the key a secret. Mocks first.
let config: typeof import("../../src/pulumi/config.js");
let entry: typeof import("../../stacks/workstation/index.js");
beforeAll(async () => {
  await installMocks();
  config = await import("../../src/pulumi/config.js");
  entry = await import("../../stacks/workstation/index.js");
});
beforeEach(() => reset());

/** Every secret the real plan of base.yaml needs, as stack config. */
const planSecrets = Object.fromEntries(
  [...new Set(planSteps(loadProfile("profiles/base.yaml").profile).flatMap((s) => s.secrets))].map((n) => [`aiws:${n}`, `value-of-${n}`]),
);
const FULL = { "aiws:profile": "profiles/base.yaml", "aiws:host": "ws.lan", "aiws:sshPrivateKey": TEST_KEY, "aiws:hostKey": TEST_HOST_KEY, ...planSecrets };

function stack(values: Record<string, string>) {
  pulumi.runtime.setAllConfig(values, Object.keys(values).filter((k) => k === "aiws:sshPrivateKey" || k in planSecrets));
}

function failure(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(pulumi.RunError.isInstance(e), String(e)).toBe(true);
    return e as Error;
  }
  throw new Error("expected a RunError");
}

const without = (key: string) => Object.fromEntries(Object.entries(FULL).filter(([k]) => k !== key));

describe("reading the stack's config", () => {
  it("reads every key, with user root and port 22 by default, the key as a secret", async () => {
    stack(FULL);
    const c = config.readWorkstationConfig();
    expect(c).toMatchObject({ profile: "profiles/base.yaml", host: "ws.lan", user: "root", port: 22, hostKey: TEST_HOST_KEY });
    const key = c.sshPrivateKey as pulumi.Output<string>;
    expect(await pulumi.isSecret(key)).toBe(true);
    expect(await value(key)).toBe(TEST_KEY);
  });

  it("reads user, port and host key when set", () => {
    stack({ ...FULL, "aiws:user": "aiws", "aiws:port": "2222", "aiws:hostKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" });
    expect(config.readWorkstationConfig()).toMatchObject({ user: "aiws", port: 2222, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" });
  });

  it.each([
    ["host", "aiws:host is not set: it is the workstation's address. Fix: pulumi config set aiws:host 192.168.1.50"],
    ["profile", "aiws:profile is not set: it is the hardware profile to apply, relative to the repository root. Fix: pulumi config set aiws:profile profiles/base.yaml"],
    ["sshPrivateKey", "aiws:sshPrivateKey is not set: it is the SSH private key, stored as a secret. Fix: pulumi config set --secret aiws:sshPrivateKey < ~/.ssh/aiws_ed25519"],
  ])("a stack with no %s gets one message naming the key and the fix", (key, message) => {
    stack(without(`aiws:${key}`));
    const e = failure(() => config.readWorkstationConfig());
    expect(e.message).toBe(message);
    expect(e.stack).toBe(`RunError: ${message}`);
  });

  it.each([
    ["port", "abc", /^aiws:port is "abc": .*Fix: pulumi config set aiws:port 22$/],
    ["port", "70000", /^aiws:port is 70000: /],
    ["user", "Bad User", /^aiws:user is "Bad User", which is not a user name: .*Fix: pulumi config set aiws:user aiws$/],
    ["host", "ws.lan; rm -rf /", /^aiws:host is "ws.lan; rm -rf \/", which is not a host name or address/],
    ["sshPrivateKey", "ssh-ed25519 AAAAC3Nza me@laptop", /^aiws:sshPrivateKey does not hold a private key \(that is a public key\): .*--secret aiws:sshPrivateKey/],
    ["hostKey", "not a key", /^aiws:hostKey is not an SSH public key line: .*ssh-keyscan/],
  ])("a wrong %s (%s) gets one message naming the key and the fix", (key, v, message) => {
    stack({ ...FULL, [`aiws:${key}`]: v });
    expect(failure(() => config.readWorkstationConfig()).message).toMatch(message);
  });
});

describe("host trust", () => {
  it("refuses a stack without aiws:hostKey, saying how to read the fingerprint on the console; registers nothing", () => {
    stack(without("aiws:hostKey"));
    const e = failure(() => entry.default());
    expect(e.message).toMatch(/^aiws:hostKey is not set: without it nothing checks that ws\.lan is your workstation/);
    expect(e.message).toContain("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    expect(e.message).toContain('pulumi config set aiws:hostKey "$(cat ws.hostkey)"');
    expect(e.message).toContain("pulumi config set aiws:insecureIgnoreHostKey true");
    expect(e.stack).toBe(`RunError: ${e.message}`);
    expect(registered).toHaveLength(0);
  });

  it("runs without a host key only with aiws:insecureIgnoreHostKey: true, and warns", async () => {
    const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);
    try {
      stack({ ...without("aiws:hostKey"), "aiws:insecureIgnoreHostKey": "true" });
      expect(config.readWorkstationConfig()).toMatchObject({ insecureIgnoreHostKey: true });
      entry.default();
      expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("WARNING: aiws:insecureIgnoreHostKey is true");
      stack({ ...without("aiws:hostKey"), "aiws:insecureIgnoreHostKey": "false" });
      expect(failure(() => config.readWorkstationConfig()).message).toMatch(/^aiws:hostKey is not set/);
      stack({ ...without("aiws:hostKey"), "aiws:insecureIgnoreHostKey": "yes" });
      expect(failure(() => config.readWorkstationConfig()).message).toMatch(/^aiws:insecureIgnoreHostKey is "yes", not true or false/);
    } finally {
      warn.mockRestore();
    }
  });

  it.each(["-oProxyCommand=x", "-l"])("refuses a user or host that ssh would read as an option (%s)", (v) => {
    stack({ ...FULL, "aiws:user": v });
    expect(failure(() => config.readWorkstationConfig()).message).toMatch(/^aiws:user is .*, which is not a user name/);
    stack({ ...FULL, "aiws:host": v });
    expect(failure(() => config.readWorkstationConfig()).message).toMatch(/^aiws:host is .*, which is not a host name or address/);
  });
});

describe("the entry point under mocks", () => {
  it("a stack with no host fails with the clear message and registers nothing", () => {
    stack(without("aiws:host"));
    const e = failure(() => entry.default());
    expect(e.message).toBe("aiws:host is not set: it is the workstation's address. Fix: pulumi config set aiws:host 192.168.1.50");
    expect(registered).toHaveLength(0);
  });

  it("a secret a step needs and the stack lacks is named with its fix; nothing registered", () => {
    const names = Object.keys(planSecrets);
    if (names.length === 0) return; // no concern needs a secret yet
    stack(without(names[0]!));
    expect(failure(() => entry.default()).message).toMatch(new RegExp(`^${names[0]} is not set: it is a secret that step .* needs\\. Fix: pulumi config set --secret ${names[0]} `));
    expect(registered).toHaveLength(0);
  });

  it("a complete stack returns the outputs and registers the plan", async () => {
    stack(FULL);
    const out = entry.default();
    expect(out).toMatchObject({ profile: "base", host: "ws.lan", user: "root" });
    await new Promise((r) => setTimeout(r, 50));
    expect(registered.some((r) => r.type === "aiws:host:Concern")).toBe(out.steps.length > 0);
  });
});
