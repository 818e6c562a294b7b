import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../../..");

function run(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, file), ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("--json: one shape for every command", () => {
  it("switch: { command, status, items: the step changes, ... }, and only JSON on stdout", () => {
    const r = run("scripts/switch.ts", "--to", "profiles/dual-gpu.yaml", "--host", "ws.invalid", "--profile", "profiles/base.yaml", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { command: string; status: string; items: { id: string; change: string }[]; from: string; to: string; refusals: string[] };
    expect(j).toMatchObject({ command: "switch", status: "allowed", from: "profiles/base.yaml", to: "profiles/dual-gpu.yaml", refusals: [] });
    expect(j.items.length).toBeGreaterThan(0);
    expect(r.err).toContain("Set the stack's profile with: pulumi config set aiws:profile profiles/dual-gpu.yaml");
  });

  it("a usage error under --json is still one object on stdout", () => {
    const r = run("scripts/switch.ts", "--host", "ws", "--json");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ command: "switch", status: "error", items: [], error: "--to profiles/NEW.yaml is required" });
  });
});
