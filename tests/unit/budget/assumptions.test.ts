import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { budgetAssumptions, formatAssumptions } from "../../../src/budget/assumptions.js";
import { loadProfile } from "../../../src/profile/load.js";

const ROOT = join(import.meta.dirname, "../../..");
const load = (name: string) => loadProfile(join(ROOT, "profiles", name)).profile;

describe("what check assumes and cannot verify", () => {
  it("quad-gpu: the PSU and the circuit, which no host can report (its PPT cap is the power budget's own assumption)", () => {
    const a = budgetAssumptions(load("quad-gpu.yaml"));
    expect(a.some((l) => l.includes("PPT"))).toBe(false);
    expect(a).toContain("the wall circuit is 120 V / 20 A and feeds only this machine (nothing else on that breaker): aiws cannot see the wiring");
    expect(a.some((l) => /^the PSU is 1600 W ATX 3\.1 Titanium .*1600 W, ATX 3\.1, 80 PLUS titanium, 4 native 12V-2x6 connectors, each GPU on its own native cable/.test(l))).toBe(true);
  });

  it("a profile at catalog figures assumes no BIOS cap", () => {
    const a = budgetAssumptions(load("base.yaml"));
    expect(a.some((l) => l.includes("PPT"))).toBe(false);
    expect(a.some((l) => l.startsWith("the wall circuit is 120 V / 15 A"))).toBe(true);
  });

  it("prints as a list the owner confirms", () => {
    expect(formatAssumptions(["a", "b"])).toBe("  Assumed, and aiws cannot verify it (confirm each one yourself):\n    [ ] a\n    [ ] b");
  });
});
