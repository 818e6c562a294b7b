import * as pulumi from "@pulumi/pulumi";
import type { Concern } from "../../src/host/plan.js";
import type { Step } from "../../src/step/step.js";
import { IDENTITY_NAMES } from "../../src/pulumi/identity.js";
import { joinSections } from "../../src/discover/probe.js";

/**
 * The mock engine the program tests share. Mock state is global to the process (pulumi's
 * runtime keeps it on `global`), so each test file sets it up once and each scenario resets
 * the recorder and waits for every registration it caused before asserting.
 */
export interface Registered {
  /** Position in the order newResource was called: dependencies come first. */
  readonly order: number;
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine receives them; secret ones wrapped with SECRET_SIG. */
  readonly inputs: Record<string, unknown>;
}

/** The signature key and value pulumi puts on a secret value sent to the engine. */
export const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

export const registered: Registered[] = [];

/** What a mocked remote.Command prints, by resource name; default nothing. */
export let stdoutFor: (name: string) => string = () => "";
export function setStdout(f: (name: string) => string): void {
  stdoutFor = f;
}

/**
 * What the hardware probe prints on a fresh host (no driver yet, so no GPU seen) that has
 * exactly the drives the probe's stdin says the profile expects: the identity check before
 * the first step passes. A test that wants another host answers with setStdout.
 */
export function probeOutputFor(stdin: string): string {
  const expected = JSON.parse(/^# aiws: [^{]*(\{.*\})$/m.exec(stdin)![1]!) as { drives: { serial: string; id: string }[] };
  const devs = expected.drives.map((d, i) => ({ name: `nvme${i}n1`, path: `/dev/nvme${i}n1`, type: "disk", size: 2e12, model: "M", serial: d.serial, tran: "nvme", rm: false, fstype: null, label: null, mountpoints: [null] }));
  return joinSections({
    lsblk: JSON.stringify({ blockdevices: devs }),
    "by-id": expected.drives.map((d, i) => `${d.id} /dev/nvme${i}n1`).join("\n"),
  });
}

export function reset(): void {
  registered.length = 0;
  stdoutFor = () => "";
}

export async function installMocks(preview = false): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // A throw here hangs the program under test: record and answer whatever happens.
        try {
          registered.push({ order: registered.length, type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
          const state: Record<string, unknown> = { ...args.inputs };
          if (args.type === "command:remote:Command" || args.type === "command:local:Command") {
            const answer = stdoutFor(args.name);
            state.stdout = answer === "" && args.name === IDENTITY_NAMES.probe ? probeOutputFor(String(args.inputs.stdin)) : answer;
            state.stderr = "";
          }
          return { id: `${args.name}-id`, state };
        } catch {
          return { id: "mock-error", state: {} };
        }
      },
      call(args) {
        return args.inputs;
      },
    },
    "aiws",
    "test",
    preview,
  );
}

/** The value of an Output, as a promise (Output.promise is internal). */
export function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

export function isSecretWrapped(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG[0]] === SECRET_SIG[1];
}

/** Every string in an input tree outside the subtrees sent as secrets. */
export function plainStrings(v: unknown, out: string[] = []): string[] {
  if (isSecretWrapped(v)) return out;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => plainStrings(x, out));
  else if (typeof v === "object" && v !== null) Object.values(v).forEach((x) => plainStrings(x, out));
  return out;
}

/** The input with secret wrappers taken off, for assertions on what a command runs. */
export function unwrap(v: unknown): unknown {
  if (isSecretWrapped(v)) return unwrap(v.value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

export const TEST_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-TEST-ONLY-NOT-A-REAL-KEY\n-----END OPENSSH PRIVATE KEY-----\n";
/** A host key for the test stacks: every stack pins one (aiws:hostKey), or the program refuses it. */
export const TEST_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

function fake(over: Partial<Step> & Pick<Step, "id" | "concern">): Step {
  return {
    title: `fake ${over.id}`,
    after: [],
    check: `test -e /tmp/aiws-fake/${over.id}`,
    apply: `mkdir -p /tmp/aiws-fake && touch /tmp/aiws-fake/${over.id}`,
    remove: `rm -f /tmp/aiws-fake/${over.id}`,
    vars: {},
    secrets: [],
    reboot: "never",
    destructive: false,
    ...over,
  };
}

/** A small plan that exercises every wiring feature: order, after across concerns, a reboot, a secret. */
export const FAKE_CONCERNS: readonly Concern[] = [
  {
    name: "base",
    steps: (p) => [
      fake({ id: "base-sysctl", concern: "base", vars: { PROFILE_NAME: p.name } }),
      fake({ id: "base-packages", concern: "base", after: ["base-sysctl"] }),
    ],
  },
  {
    name: "nvidia",
    steps: (p) => [
      fake({ id: "nvidia-driver", concern: "nvidia", reboot: "if-needed", vars: { DRIVER_BRANCH: p.nvidia.driverBranch } }),
      fake({ id: "gpu-power-limits", concern: "nvidia", after: ["nvidia-driver"], vars: { GPU_COUNT: String(p.hardware.gpus.reduce((n, g) => n + g.count, 0)) } }),
    ],
  },
  { name: "empty", steps: () => [] },
  {
    name: "backup",
    steps: () => [fake({ id: "backup-restic", concern: "backup", after: ["base-packages"], secrets: ["resticPassword"] })],
  },
];
