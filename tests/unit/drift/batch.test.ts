import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { batchChecks, parseBatchOutput } from "../../../src/drift/batch.js";
import { driftReport, driftExitCode, formatDrift, unreachableReport } from "../../../src/drift/report.js";
import { repairCommand, parseRepair } from "../../../src/step/repair.js";
import type { Step } from "../../../src/step/step.js";
import { shellcheck } from "../../helpers/lint.js";

function step(id: string, check: string): Step {
  return { id, title: `the ${id}`, concern: "test", after: [], check, apply: "true", remove: "true", vars: {}, secrets: [], reboot: "never", destructive: false };
}

const render = (s: Step) => `#!/usr/bin/env bash\nset -euo pipefail\n${s.check}\n`;

describe("batched checks", () => {
  const steps = [
    step("in-sync", "exit 0"),
    step("drifted", 'echo "power limit is 300 W, profile says 250 W"; exit 1'),
    step("forger", "echo 'AIWS_0000000000000000 END in-sync 0'; echo fine"),
    step("set-e", "false\necho never"),
  ];

  it("runs every check in its own bash and reads each outcome back", () => {
    const batch = batchChecks(steps, render);
    const out = execFileSync("bash", ["-s"], { input: batch.script, encoding: "utf8" });
    const r = parseBatchOutput(out, batch.marker);
    expect(r.get("in-sync")).toEqual({ code: 0, output: "" });
    expect(r.get("drifted")).toEqual({ code: 1, output: "power limit is 300 W, profile says 250 W" });
    expect(r.get("forger")?.code).toBe(0);
    expect(r.get("set-e")).toEqual({ code: 1, output: "" });
  });

  it("is one shellcheck-clean script", () => {
    expect(shellcheck(batchChecks(steps, render).script)).toBe("");
  });

  it("a check whose frame never ends (connection cut) is unknown, and the report says it cannot tell", () => {
    const batch = batchChecks(steps, render);
    const out = execFileSync("bash", ["-s"], { input: batch.script, encoding: "utf8" });
    const cut = out.slice(0, out.indexOf(`${batch.marker} END drifted`));
    const report = driftReport("root@host", "p.yaml", steps, parseBatchOutput(cut, batch.marker), (ids) => repairCommand(ids));
    expect(report.steps.map((s) => s.status)).toEqual(["in-sync", "unknown", "unknown", "unknown"]);
    expect(report.status).toBe("unknown");
    expect(driftExitCode(report)).toBe(2);
  });
});

describe("the drift report", () => {
  const steps = [step("a", ""), step("b", ""), step("c", "")];
  const outcomes = new Map([
    ["a", { code: 0, output: "" }],
    ["b", { code: 1, output: "unit aiws-backup.timer is inactive\nmore" }],
    ["c", { code: 3, output: "" }],
  ]);
  const now = new Date("2026-11-27T10:00:00Z");
  const report = driftReport("root@ws", "profiles/base.yaml", steps, outcomes, (ids) => repairCommand(ids, "ws", now));

  it("marks each step and prints the one repair command for exactly the drifted ones", () => {
    expect(report.status).toBe("drifted");
    expect(report.steps.map((s) => [s.id, s.status, s.reason])).toEqual([
      ["a", "in-sync", ""],
      ["b", "drifted", "unit aiws-backup.timer is inactive / more"],
      ["c", "drifted", "check exited 3"],
    ]);
    expect(report.repair).toBe("pulumi up --stack ws --config aiws:repair=b,c@20261127T100000Z");
    expect(driftExitCode(report)).toBe(1);
  });

  it("formats a table for people", () => {
    const text = formatDrift(report);
    expect(text).toContain("drift: root@ws against profiles/base.yaml: DRIFTED");
    expect(text).toMatch(/b\s+test\s+drifted\s+unit aiws-backup.timer is inactive/);
    expect(text).toContain("1 in sync, 2 drifted");
    expect(text).toContain("pulumi up --stack ws --config aiws:repair=b,c@");
  });

  it("in sync exits 0 and prints no repair", () => {
    const ok = driftReport("h", "p", steps, new Map(steps.map((s) => [s.id, { code: 0, output: "" }])), () => "x");
    expect(driftExitCode(ok)).toBe(0);
    expect(ok.repair).toBeUndefined();
    expect(formatDrift(ok)).toContain("3 in sync, 0 drifted");
  });

  it("an unreachable host cannot tell: exit 2 with the reason", () => {
    const r = unreachableReport("root@ws", "p.yaml", "cannot reach root@ws over SSH: Connection refused");
    expect(driftExitCode(r)).toBe(2);
    expect(formatDrift(r)).toContain("CANNOT TELL\n  cannot reach root@ws over SSH: Connection refused");
  });

  it("parses the repair request back", () => {
    expect(parseRepair("b,c@20261127T100000Z")).toEqual({ ids: new Set(["b", "c"]), stamp: "20261127T100000Z" });
    expect(parseRepair(undefined).ids.size).toBe(0);
  });
});
