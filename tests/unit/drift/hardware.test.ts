import { describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDrift } from "../../../src/drift/drift.js";
import { joinSections, SECTIONS, type Section } from "../../../src/discover/probe.js";
import { hostFacts } from "../../../src/discover/facts.js";
import { splitSections } from "../../../src/discover/probe.js";
import { draftProfile, TODO } from "../../../src/discover/draft.js";
import type { SshSession } from "../../../src/ssh/ssh.js";

const ROOT = join(import.meta.dirname, "../../..");
const probeOutput = (host: string) => joinSections(Object.fromEntries(SECTIONS.map((s) => [s, readFileSync(join(ROOT, "tests/fixtures/discover", host, s), "utf8")])) as Record<Section, string>);

/** A host over SSH: answers the discover probe from a fixture, and every batched check with exit 0. */
function fakeSession(host: string): { session: SshSession; scripts: string[] } {
  const scripts: string[] = [];
  const session = {
    name: `root@${host}`,
    runScript: async (script: string) => {
      scripts.push(script);
      if (script.includes("@@aiws-discover:")) return { code: 0, stdout: probeOutput(host), stderr: "" };
      const frames = [...script.matchAll(/^echo '(AIWS_[0-9a-f]+) BEGIN (\S+)'$/gm)].map((m) => `${m[1]} BEGIN ${m[2]}\n${m[1]} END ${m[2]} 0`);
      return { code: 0, stdout: `${frames.join("\n")}\n`, stderr: "" };
    },
    close: async () => {},
  };
  return { session: session as unknown as SshSession, scripts };
}

const target = (profile: string) => ({ ssh: { host: "ws-quad.lan", port: 22, user: "root", trust: { kind: "known-hosts" as const } }, profile });

describe("drift first asks whether the profile describes the host", () => {
  it("refuses to check a host whose drives are not the profile's, naming each difference, and runs no check", async () => {
    const { session, scripts } = fakeSession("ws-quad");
    const r = await runDrift(target(join(ROOT, "profiles/quad-gpu.yaml")), { session });
    expect(r.status).toBe("unknown");
    expect(r.steps).toEqual([]);
    expect(r.hardware).toHaveLength(5);
    expect(r.error).toMatch(/quad-gpu\.yaml does not describe this host, so its checks would mean nothing:\n {2}- drive S7HENJ0X100001A \(os, /);
    expect(scripts).toHaveLength(1);
  });

  it("checks a host the profile describes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-drift-hw-"));
    for (const f of ["base.yaml", "dual-gpu.yaml", "quad-gpu.yaml"]) copyFileSync(join(ROOT, "profiles", f), join(dir, f));
    const draft = draftProfile(hostFacts(splitSections(probeOutput("ws-quad")))).yaml;
    const filled = draft.replace(new RegExp(`model: ${TODO}.*`), "model: seasonic-prime-tx-1600").replace(new RegExp(`volts: ${TODO}.*`), "volts: 120").replace(new RegExp(`amps: ${TODO}.*`), "amps: 20");
    writeFileSync(join(dir, "ws-quad.yaml"), filled);
    const { session, scripts } = fakeSession("ws-quad");
    const r = await runDrift(target(join(dir, "ws-quad.yaml")), { session });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe("in-sync");
    expect(r.steps.length).toBeGreaterThan(10);
    expect(scripts).toHaveLength(2);
  });
});
