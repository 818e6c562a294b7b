import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");

function plan(...args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/plan.ts"), ...args], { cwd: ROOT, encoding: "utf8", stdio: "pipe" }) };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout + x.stderr };
  }
}

describe("npm run plan", () => {
  it("lists the quad-gpu steps in order, marking the destructive and rebooting ones", () => {
    const r = plan("profiles/quad-gpu.yaml");
    expect(r.code).toBe(0);
    const ids = r.out.split("\n").slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/)[2]);
    expect(ids.indexOf("nvidia-driver")).toBeLessThan(ids.indexOf("gpu-power-limits"));
    expect(ids.indexOf("storage-raid0-array")).toBeLessThan(ids.indexOf("storage-mounted"));
    expect(r.out).toMatch(/storage-raid0-array .*\[may reboot; DESTRUCTIVE \(safe mode\)\]/);
    expect(r.out).toMatch(/backup-credentials .*secrets: backupPassword, nasSshKey/);
  });

  it("--json of a refused profile is the same shape, with the report and no steps", () => {
    const r = plan("profiles/a16z.yaml", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { command: string; status: string; items: unknown[]; report: { status: string } };
    expect(j).toMatchObject({ command: "plan", status: "refused", items: [], report: { status: "refused" } });
  });

  it("has no plan for a refused profile", () => {
    const r = plan("profiles/a16z.yaml");
    expect(r.code).toBe(1);
    expect(r.out).toContain("REFUSED");
  });

  it("--json lists the steps for machines, in the one shape every command uses", () => {
    const j = JSON.parse(plan("--json", "profiles/base.yaml").out) as { command: string; status: string; items: { id: string; destructive: boolean }[] };
    expect(j).toMatchObject({ command: "plan", status: "ok" });
    const steps = j.items;
    expect(steps.find((s) => s.id === "storage-filesystem-data")?.destructive).toBe(true);
    expect(steps.some((s) => s.id === "storage-raid0-array")).toBe(false);
  });
});
