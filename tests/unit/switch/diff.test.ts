import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { checkProfileFile } from "../../../src/budget/check.js";
import { diffProfiles } from "../../../src/switch/diff.js";
import { gateSwitch } from "../../../src/switch/gate.js";
import { formatSwitch } from "../../../src/switch/format.js";
import type { Step } from "../../../src/step/step.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");
const checked = (name: string) => {
  const r = checkProfileFile(join(PROFILES, `${name}.yaml`));
  if (!r.profile) throw new Error(`${name} did not load`);
  return r as typeof r & { profile: NonNullable<typeof r.profile> };
};
const step = (id: string, over: Partial<Step> = {}): Step => ({ id, title: `the ${id}`, concern: "t", after: [], check: "true", apply: "true", remove: "true", vars: {}, secrets: [], reboot: "never", destructive: false, ...over });
const fresh = { fresh: true, reasons: [] };

describe("base -> dual-gpu", () => {
  const d = diffProfiles(checked("base"), checked("dual-gpu"), [step("gpu-power-limits", { vars: { GPUS: "1" } })], [step("gpu-power-limits", { vars: { GPUS: "2" } })]);

  it("shows the one hardware change and every budget before and after", () => {
    expect(d.hardware).toEqual([{ path: "hardware.gpus", from: "1 x rtx-pro-6000-blackwell-max-q", to: "2 x rtx-pro-6000-blackwell-max-q" }]);
    const peak = d.budgets.find((b) => b.id === "psu-peak")!;
    expect(peak.before).toEqual({ load: 895, limit: 1300, ok: true });
    expect(peak.after).toEqual({ load: 1195, limit: 1300, ok: true });
    expect(d.steps).toEqual([{ id: "gpu-power-limits", title: "the gpu-power-limits", change: "changed", destructive: false }]);
    expect(d.layoutChange).toBeUndefined();
    expect(d.drivesAtRisk).toEqual([]);
  });

  it("is allowed without a backup: nothing in it can destroy data", () => {
    const g = gateSwitch(d, "ok", [], undefined);
    expect(g).toEqual({ allowed: true, refusals: [], destructive: false });
    expect(formatSwitch("base", "dual-gpu", d, g)).toContain("Allowed: nothing in this switch can destroy data.");
  });
});

describe("dual-gpu -> quad-gpu (independent -> RAID 0)", () => {
  const d = diffProfiles(checked("dual-gpu"), checked("quad-gpu"), [step("storage-mounted")], [step("storage-raid0-array", { destructive: true }), step("storage-mounted", { vars: { X: "1" } })]);
  const members = ["2402E8A20001", "2402E8A20002", "2402E8A20003", "2402E8A20004"];

  it("marks the layout change, the destructive step and the drives at risk", () => {
    expect(d.layoutChange).toEqual({ from: "independent", to: "raid0" });
    expect(d.steps.find((s) => s.id === "storage-raid0-array")).toMatchObject({ change: "added", destructive: true });
    expect(d.drivesAtRisk).toEqual(members);
  });

  it("is refused without the named drives and without a fresh backup", () => {
    const g = gateSwitch(d, "ok", [], { fresh: false, reasons: ["last backup failed at 2026-11-26T03:12:00Z"] });
    expect(g.allowed).toBe(false);
    expect(g.refusals.join("\n")).toContain(`--confirm-wipe ${members.join(",")}`);
    expect(g.refusals.join("\n")).toContain("no fresh, verified backup: last backup failed at 2026-11-26T03:12:00Z");
    const text = formatSwitch("dual-gpu", "quad-gpu", d, g);
    expect(text).toContain("+ storage-raid0-array");
    expect(text).toContain("[DESTRUCTIVE]");
    expect(text).toContain("Storage layout: independent -> raid0");
    expect(text).toContain("REFUSED:");
  });

  it("is refused when the confirmation names other drives", () => {
    expect(gateSwitch(d, "ok", members.slice(1), fresh).allowed).toBe(false);
  });

  it("is allowed with exactly the drives confirmed and a fresh, verified backup", () => {
    expect(gateSwitch(d, "ok", [...members].reverse(), fresh)).toEqual({ allowed: true, refusals: [], destructive: true });
  });
});

describe("a target that fails its budgets", () => {
  it("is refused whatever else is confirmed", () => {
    const d = diffProfiles(checked("base"), checked("a16z"), [], []);
    const g = gateSwitch(d, "refused", d.drivesAtRisk, fresh);
    expect(g.allowed).toBe(false);
    expect(g.refusals[0]).toContain("fails its budgets");
  });
});
