import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../../..");

/** Runs `npm run check -- ARGS` the way a user does, returning its exit code and output. */
function check(...args: string[]): { code: number; out: string; err: string } {
  try {
    const out = execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/check.ts"), ...args], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
    return { code: 0, out, err: "" };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout, err: x.stderr };
  }
}

describe("npm run check", () => {
  it("exits 0 and prints the table when everything fits", () => {
    const r = check("profiles/quad-gpu.yaml");
    expect(r.code).toBe(0);
    expect(r.out).toContain("profiles/quad-gpu.yaml (quad-gpu: ");
    expect(r.out).toMatch(/budget\s+load\s+limit\s+margin\s+verdict/);
    expect(r.out).toMatch(/Circuit continuous\s+1568 W\s+1920 W\s+\+352 W\s+ok/);
    expect(r.out).not.toContain("Ways out");
  });

  it("ends with what it assumed and cannot verify, for the owner to confirm", () => {
    const r = check("profiles/quad-gpu.yaml");
    const tail = r.out.trimEnd().split("\n");
    const at = tail.indexOf("  Assumed, and aiws cannot verify it (confirm each one yourself):");
    expect(at).toBeGreaterThan(0);
    expect(tail.slice(at + 1).every((l) => l.startsWith("    [ ] "))).toBe(true);
    expect(r.out).toContain("    [ ] the CPU's package power is capped at 280 W (PPT) in the BIOS (hardware.cpu.pptCapW)");
    expect(r.out).toContain("    [ ] the wall circuit is 120 V / 20 A and feeds only this machine");
    const j = JSON.parse(check("--json", "profiles/quad-gpu.yaml").out);
    expect(j.items[0].assumptions).toEqual(expect.arrayContaining([expect.stringContaining("capped at 280 W (PPT) in the BIOS"), expect.stringContaining("the wall circuit is 120 V / 20 A")]));
  });

  it("exits 1 with every violated budget and the ways out when refused", () => {
    const r = check("profiles/a16z.yaml");
    expect(r.code).toBe(1);
    expect(r.out).toContain(": REFUSED");
    expect(r.out).toMatch(/Circuit continuous\s+1939 W\s+1440 W\s+-499 W\s+OVER/);
    expect(r.out).toMatch(/PSU 12V-2x6 connectors\s+4\s+2\s+-2\s+OVER/);
    expect(r.out).toContain("Ways out:");
  });

  it("exits 2 with located problems, and no stack trace, when the profile is invalid", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-check-"));
    writeFileSync(join(dir, "bad.yaml"), `extends: ${join(ROOT, "profiles/base.yaml")}\nname: bad\nhardware:\n  psu:\n    ratedWatts: 2000\n`);
    const r = check(join(dir, "bad.yaml"));
    expect(r.code).toBe(2);
    expect(r.out).toContain("INVALID");
    expect(r.out).toMatch(/bad\.yaml:5:5: hardware\.psu\.ratedWatts: unknown key "ratedWatts"; did you mean ratedW\?/);
    expect(r.out + r.err).not.toMatch(/\n\s+at /);
  });

  it("--json prints the same report for machines, in the one shape every command uses", () => {
    const r = check("--json", "profiles/a16z.yaml");
    expect(r.code).toBe(1);
    const all = JSON.parse(r.out);
    expect(all).toMatchObject({ command: "check", status: "refused" });
    expect(all.items).toHaveLength(1);
    const j = all.items[0];
    expect(j).toMatchObject({ status: "refused", name: "a16z" });
    expect(j.budgets.find((b: { id: string }) => b.id === "circuit-continuous")).toMatchObject({ load: 1938.9, limit: 1440, ok: false });
    expect(j.suggestions.length).toBeGreaterThan(0);
  });

  it("with no argument checks every profile in profiles/ and exits with the worst verdict", () => {
    const r = check("--json");
    const { command, status, items: all } = JSON.parse(r.out) as { command: string; status: string; items: { name: string; status: string }[] };
    expect(command).toBe("check");
    expect(status).toBe(all.some((x) => x.status === "invalid") ? "invalid" : "refused");
    const names = all.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(["a16z", "base", "dual-gpu", "quad-gpu"]));
    expect(all.find((x) => x.name === "a16z")!.status).toBe("refused");
    expect(r.code).toBe(all.some((x) => x.status === "invalid") ? 2 : 1);
  });

  it("refuses an unknown option with the usage and a did-you-mean", () => {
    const r = check("--jsn");
    expect(r.code).toBe(2);
    expect(r.err).toContain("check: unknown option --jsn; did you mean --json?");
    expect(r.err).toContain("usage: npm run check");
  });
});
