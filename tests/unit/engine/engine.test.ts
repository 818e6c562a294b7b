import { lacks } from "../../helpers/systemTools.js";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { engineDestroy, engineUp, newEngineState, unwrap, SECRET_SIG } from "../../../src/engine/engine.js";
import { loadProfile } from "../../../src/profile/load.js";
import { probeOutputFor } from "../../program/harness.js";

/**
 * The test engine against a fake `ssh` first on PATH: it records every call (its arguments
 * and the step its stdin or here-document names) and answers as a converge script would.
 * The e2e suite runs the engine against the real lab; this pins down its bookkeeping.
 */
const dir = mkdtempSync(join(tmpdir(), "aiws-engine-"));
const log = join(dir, "calls.jsonl");
const PATH = process.env.PATH;

const FAKE_SSH = `#!/usr/bin/env bash
# args: options..., -l user -p port -- host, command
cmd=\${!#}
input=$(cat)
# The hardware probe before the steps: the fake host is the lab guest the profile describes.
if [[ $input == *@@aiws-discover:* ]]; then cat "$FAKE_PROBE"; exit 0; fi
text="$cmd
$input"
id=$(grep -m1 -oE '^# aiws step [a-z0-9-]+ \\((converge|check|remove)\\)' <<<"$text" | head -n1)
phase=$(sed -E 's/.*\\((.*)\\)/\\1/' <<<"$id")
id=$(awk '{print $4}' <<<"$id")
keyfile=""; kh=""
prev=""
for a in "$@"; do
  [[ $prev == -i ]] && keyfile=$a
  [[ $a == UserKnownHostsFile=* ]] && kh=\${a#UserKnownHostsFile=}
  prev=$a
done
n=$(wc -l <"$FAKE_LOG" 2>/dev/null || echo 0)
if [[ -n \${FAKE_REFUSE_FIRST:-} ]] && (( n < FAKE_REFUSE_FIRST )); then
  echo refused >>"$FAKE_LOG"
  echo "ssh: connect to host 10.200.0.10 port 22: Connection refused" >&2
  exit 255
fi
python3 -c 'import json, sys; a = sys.argv[1:]; print(json.dumps(dict(zip(a[::2], a[1::2]))))' \\
  id "$id" phase "$phase" cmd "$cmd" input "$input" key "$(cat "$keyfile")" knownHosts "$(cat "$kh" 2>/dev/null)" dest "\${*: -7:6}" >>"$FAKE_LOG"
if [[ $id == "\${FAKE_FAIL:-}" ]]; then echo "aiws: $id: apply failed (exit 3)" >&2; exit 3; fi
case $phase in
  converge)
    if [[ ,\${FAKE_APPLY:-}, == *,$id,* ]]; then echo "aiws: $id: not in sync: because"; echo "aiws: $id: converged"; else echo "aiws: $id: in sync"; fi ;;
  check) echo "aiws: $id: no reboot pending" ;;
  remove) echo "removed $id" ;;
esac
`;

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZQ-TEST-ONLY\n-----END OPENSSH PRIVATE KEY-----\n";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOBR2ibZdU+2TKh5qWJXKLmyWlL4z6QiGx6B3wF1Fhk/";

function config(extra: Record<string, string> = {}) {
  return {
    config: {
      "aiws:profile": "lab/profiles/lab-raid0.yaml",
      "aiws:host": "10.200.0.10",
      "aiws:user": "aiws",
      "aiws:sshPrivateKey": KEY,
      "aiws:hostKey": HOST_KEY,
      "aiws:backupPassword": "engine-test-restic-password",
      "aiws:nasSshKey": KEY,
      "aiws:inferenceApiKey": "engine-test-api-key-0123456789",
      ...extra,
    },
    secretKeys: ["aiws:sshPrivateKey", "aiws:backupPassword", "aiws:nasSshKey", "aiws:inferenceApiKey"],
  };
}

interface Call {
  id: string;
  phase: string;
  cmd: string;
  input: string;
  key: string;
  knownHosts: string;
  dest: string;
}

function calls(): Call[] {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Call);
}

const havePython = !lacks("python3");

describe.skipIf(!havePython)("the test engine (against a fake ssh)", () => {
  beforeAll(() => {
    writeFileSync(join(dir, "ssh"), FAKE_SSH);
    chmodSync(join(dir, "ssh"), 0o755);
    process.env.PATH = `${dir}:${PATH}`;
    process.env.FAKE_LOG = log;
    const drives = loadProfile("lab/profiles/lab-raid0.yaml").profile.hardware.drives.map((d) => ({ serial: d.serial, id: d.id }));
    writeFileSync(join(dir, "probe"), probeOutputFor(`# aiws: the lab guest ${JSON.stringify({ drives })}`));
    process.env.FAKE_PROBE = join(dir, "probe");
  });
  afterAll(() => {
    process.env.PATH = PATH;
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rmSync(log, { force: true });
    for (const k of ["FAKE_FAIL", "FAKE_APPLY", "FAKE_REFUSE_FIRST"]) delete process.env[k];
  });

  it("a host that is not the profile's machine: the hardware check stops the run before any step", async () => {
    const real = process.env.FAKE_PROBE!;
    // The host has only three of the four drives the profile names.
    const drives = loadProfile("lab/profiles/lab-raid0.yaml").profile.hardware.drives.slice(0, 3).map((d) => ({ serial: d.serial, id: d.id }));
    writeFileSync(join(dir, "probe-3"), probeOutputFor(`# aiws: x ${JSON.stringify({ drives })}`));
    process.env.FAKE_PROBE = join(dir, "probe-3");
    try {
      const s = await engineUp(config());
      expect(s.ok).toBe(false);
      expect(s.error).toMatch(/^the profile does not describe this host, so no step was run:\n {2}- drive AIWSLAB0004 \(raid, \/dev\/disk\/by-id\/nvme-QEMU_NVMe_Ctrl_AIWSLAB0004\): not on the host/);
      expect(calls().filter((c) => c.phase === "converge")).toEqual([]);
    } finally {
      process.env.FAKE_PROBE = real;
    }
  });

  it("runs every step's converge over ssh, in plan order, as the program registered it", async () => {
    process.env.FAKE_APPLY = "gpu-power-limits,backup-units";
    const s = await engineUp(config());
    expect(s.ok, s.error).toBe(true);
    const ids = s.workstation!.steps.map((x) => x.id);
    const converges = calls().filter((c) => c.phase === "converge").map((c) => c.id);
    expect(converges).toEqual(ids);
    expect(s.steps).toBe(ids.length);
    expect(s.applied).toBe(2);
    expect(s.inSync).toBe(ids.length - 2);
    expect(s.records.find((r) => r.name === "gpu-power-limits")).toMatchObject({ outcome: "converged", exitCode: 0, operation: "create" });
    // The reboot waits ran too: the local sleep (nothing pending) and the remote check.
    expect(s.records.filter((r) => r.name.endsWith("-reboot-up")).map((r) => r.outcome)).toEqual(["ran", "ran"]);
    expect(s.records.filter((r) => r.name.endsWith("-reboot-down")).every((r) => r.kind === "local" && r.outcome === "ran")).toBe(true);
  });

  it("unwraps the secret connection and stdin: the key, the pinned host key, sudo for a non-root user, the secret in stdin only", async () => {
    await engineUp(config());
    const all = calls();
    expect(all.every((c) => c.key === KEY.trimEnd() && c.dest === "-l aiws -p 22 -- 10.200.0.10" && c.cmd.startsWith("sudo -n bash -s"))).toBe(true);
    expect(all[0]!.knownHosts.trim()).toBe(`10.200.0.10 ${HOST_KEY}`);
    const cred = all.find((c) => c.id === "backup-credentials")!;
    expect(cred.input).toContain("engine-test-restic-password");
    expect(all.filter((c) => c.id !== "backup-credentials").some((c) => c.input.includes("engine-test-restic-password"))).toBe(false);
    expect(all.some((c) => c.cmd.includes("engine-test"))).toBe(false);
  });

  it("stops at a failed command: it is recorded with its output, nothing after it runs", async () => {
    process.env.FAKE_FAIL = "storage-filesystem-data";
    const s = await engineUp(config());
    expect(s.ok).toBe(false);
    expect(s.failed).toBe(1);
    const f = s.records.find((r) => r.outcome === "failed")!;
    expect(f.name).toBe("storage-filesystem-data");
    expect(f.error).toMatch(/exited 3: aiws: storage-filesystem-data: apply failed/);
    const ids = s.workstation!.steps.map((x) => x.id);
    const ran = calls().map((c) => c.id);
    expect(ran[ran.length - 1]).toBe("storage-filesystem-data");
    expect(s.records.filter((r) => r.outcome === "skipped").map((r) => r.name)).toEqual(ids.slice(ids.indexOf("storage-filesystem-data") + 1));
  });

  it("retries a refused dial as the provider does, and runs the command once", async () => {
    process.env.FAKE_REFUSE_FIRST = "3";
    const s = await engineUp(config());
    expect(s.ok, s.error).toBe(true);
    expect(calls().filter((c) => c.id === "base-packages")).toHaveLength(1);
  });

  it("with a state: runs only what changed (an aiws:repair stamp), and destroy deletes in reverse", async () => {
    const state = newEngineState();
    expect((await engineUp({ ...config(), state })).ok).toBe(true);
    rmSync(log, { force: true });
    const same = await engineUp({ ...config(), state });
    expect(calls()).toEqual([]);
    expect(same.unchanged).toBe(same.steps);
    const repaired = await engineUp({ ...config({ "aiws:repair": "gpu-power-limits,storage-mounted@20261127T100000Z" }), state });
    expect(calls().map((c) => c.id)).toEqual(["gpu-power-limits", "storage-mounted"]);
    // The read-only hardware probe first: it runs again before any step does (its input digests the plan).
    expect(repaired.records.filter((r) => r.outcome !== "unchanged").map((r) => `${r.name}:${r.operation}`)).toEqual(["hardware-identity:update", "gpu-power-limits:update", "storage-mounted:update"]);
    expect(calls()[0]!.input).toContain("# aiws: run again on request 20261127T100000Z");

    rmSync(log, { force: true });
    const destroyed = await engineDestroy(state);
    expect(destroyed.ok).toBe(true);
    const removes = calls();
    expect(removes.every((c) => c.phase === "remove" && c.cmd.startsWith("sudo -n bash -s <<'AIWS_REMOVE_SCRIPT"))).toBe(true);
    const order = repaired.workstation!.steps.map((x) => x.id);
    expect(removes.map((c) => c.id)).toEqual([...order].reverse());
    expect(state.order).toEqual([]);
  });

  it("a refused profile registers nothing and says why", async () => {
    const s = await engineUp(config({ "aiws:profile": "profiles/a16z.yaml" }));
    expect(s.ok).toBe(false);
    expect(s.error).toMatch(/refused by its budgets; nothing was changed on 10.200.0.10/);
    expect(calls()).toEqual([]);
  });

  it("unwrap takes pulumi's secret wrappers off, nested", () => {
    const w = (value: unknown) => ({ [SECRET_SIG[0]]: SECRET_SIG[1], value });
    expect(unwrap({ a: w({ b: w("x") }), c: [w(1)] })).toEqual({ a: { b: "x" }, c: [1] });
  });
});
