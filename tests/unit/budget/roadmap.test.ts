import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRoadmapFile, roadmapExitCode } from "../../../src/budget/roadmap.js";
import { formatRoadmap } from "../../../src/budget/roadmapFormat.js";

const ROOT = join(import.meta.dirname, "../../..");
const DOCS = checkRoadmapFile(join(ROOT, "profiles/roadmap/build-documents.yaml"));
const FIXED = checkRoadmapFile(join(ROOT, "profiles/roadmap/corrected.yaml"));

const PSU = ["psu-sustained", "psu-peak", "psu-connectors"];
describe("the build documents' path, step by step", () => {
  it.each([
    // step, title, fits, breaks at this step, total cost
    [1, "Base build (1 GPU)", true, [], 14949],
    [2, "Add 2nd GPU", true, [], 23249],
    [3, "Add 3rd GPU", false, [...PSU, "circuit-continuous"], 31549],
    [4, "Add 4th GPU", false, ["psu-transient", "circuit-peak"], 39849],
    [5, "Upgrade PSU (1600 W, TX-1600)", false, [], 40349],
    [6, "Custom cooling (CPU + GPU)", false, [], 42849],
    [7, "Upgrade RAM (256 GB)", false, [], 43449],
    [8, "Storage (RAID 0, 8 TB)", false, [], 44949],
  ] as const)("step %d, %s: fits %s, breaks %j, $%d so far", (n, title, fits, breaks, total) => {
    const s = DOCS.steps[n - 1]!;
    expect(s.title).toBe(title);
    expect(s.report.status).toBe(fits ? "ok" : "refused");
    expect([...s.breaks].sort()).toEqual([...breaks].sort());
    expect(s.total).toEqual({ sum: total, complete: true });
  });

  it("the TX-1600 still has two 12V-2x6 for four cards, and the 15 A circuit stays over to the end", () => {
    const last = DOCS.steps[7]!.report.lines;
    expect(last.find((l) => l.id === "psu-connectors")).toMatchObject({ load: 4, limit: 2, ok: false });
    expect(last.find((l) => l.id === "circuit-continuous")).toMatchObject({ limit: 1440, ok: false });
  });

  it("no order of its steps fits, since its last step is refused; the report says so and gives the last step's ways out", () => {
    expect(DOCS.reordering).toMatchObject({ kind: "none" });
    const text = formatRoadmap(DOCS);
    expect(text).toContain("REFUSED at step 3 of 8");
    expect(text).toContain("Reordering: none; the last step is refused on its own");
    expect(text).toMatch(/Ways out at step 8 \(Storage \(RAID 0, 8 TB\)\):\n    - together: .*atx31-1600-titanium-4x12v2x6.*120 V \/ 20 A/);
    expect(roadmapExitCode([DOCS])).toBe(1);
  });
});

describe("the corrected path stays within budget at every step", () => {
  it.each([
    [1, "Base build (1 GPU)", { sum: 14949, complete: true }],
    [2, "Add 2nd GPU", { sum: 23249, complete: true }],
    [3, "1600 W ATX 3.1 PSU with four 12V-2x6", { sum: 23749, complete: true }],
    [4, "Dedicated 120 V / 20 A circuit", { sum: 23749, complete: false }],
    [5, "Custom cooling (CPU + GPU)", { sum: 26249, complete: false }],
    [6, "Add 3rd GPU", { sum: 34549, complete: false }],
    [7, "Add 4th GPU, all at 250 W, CPU PPT 260 W", { sum: 42849, complete: false }],
    [8, "Upgrade RAM (256 GB)", { sum: 43449, complete: false }],
    [9, "Storage (RAID 0, 8 TB)", { sum: 44949, complete: false }],
  ] as const)("step %d, %s: fits, totals %j", (n, title, total) => {
    const s = FIXED.steps[n - 1]!;
    expect(s.title).toBe(title);
    expect(s.report.lines.filter((l) => !l.ok)).toEqual([]);
    expect(s.total).toEqual(total);
  });

  it("fits as a whole, and lists the PPT cap it relies on", () => {
    expect(FIXED.status).toBe("ok");
    expect(FIXED.reordering).toBeUndefined();
    const text = formatRoadmap(FIXED);
    expect(text).toContain("every one of its 9 steps fits");
    expect(text).toContain("capped at 260 W (PPT)");
    expect(text).toMatch(/ 4 {2}Dedicated 120 V \/ 20 A circuit +- +\$23,749\+\? +fits/);
  });
});

/** A roadmap of temporary step files, each extending the one before. */
function tempRoadmap(steps: [title: string, yaml: string][]): string {
  const dir = mkdtempSync(join(tmpdir(), "aiws-roadmap-test-"));
  let parent = join(ROOT, "profiles/dual-gpu.yaml");
  const entries = [`  - title: Base\n    profile: ${join(ROOT, "profiles/base.yaml")}\n`, `  - title: 2nd GPU\n    profile: ${parent}\n`];
  steps.forEach(([title, yaml], i) => {
    const file = join(dir, `${i}.yaml`);
    writeFileSync(file, `extends: ${parent}\nname: step-${i}\n${yaml}`);
    entries.push(`  - title: ${title}\n    profile: ${file}\n`);
    parent = file;
  });
  writeFileSync(join(dir, "roadmap.yaml"), `name: t\nsteps:\n${entries.join("")}`);
  return join(dir, "roadmap.yaml");
}

describe("reordering", () => {
  it("finds the order of the same steps that keeps every step within budget: PSU and circuit before the third card", () => {
    const file = tempRoadmap([
      ["3rd GPU", "hardware:\n  gpus:\n    - model: rtx-pro-6000-blackwell-max-q\n      count: 3\n"],
      ["PSU", "hardware:\n  psu:\n    model: atx31-1600-titanium-4x12v2x6\n"],
      ["20 A", "hardware:\n  circuit:\n    volts: 120\n    amps: 20\n"],
    ]);
    const r = checkRoadmapFile(file);
    expect(r.steps.map((s) => s.report.status)).toEqual(["ok", "ok", "refused", "refused", "ok"]);
    expect(r.reordering).toEqual({ kind: "found", order: [0, 1, 3, 4, 2] });
    expect(formatRoadmap(r)).toMatch(/keeps every step within budget:\n {4}1\. Base\n {4}2\. 2nd GPU\n {4}4\. PSU\n {4}5\. 20 A\n {4}3\. 3rd GPU/);
  });

  it("refuses a step that does not extend the one before, naming the file, the path and the fix", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-roadmap-test-"));
    writeFileSync(join(dir, "r.yaml"), `name: t\nsteps:\n  - title: a\n    profile: ${join(ROOT, "profiles/dual-gpu.yaml")}\n  - title: b\n    profile: ${join(ROOT, "profiles/base.yaml")}\n`);
    const r = checkRoadmapFile(join(dir, "r.yaml"));
    expect(r.status).toBe("invalid");
    expect(formatRoadmap(r)).toMatch(/r\.yaml:6:14: steps\.1\.profile: .*base\.yaml extends nothing, not the previous step's profile; set its extends: to/);
  });
});

describe("npm run roadmap", () => {
  const run = (...args: string[]) => {
    try {
      return { code: 0, out: execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/roadmap.ts"), ...args], { cwd: ROOT, encoding: "utf8", stdio: "pipe" }), err: "" };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { code: x.status, out: x.stdout, err: x.stderr };
    }
  };

  it.each([
    [["profiles/roadmap/corrected.yaml"], 0, "every one of its 9 steps fits"],
    [["profiles/roadmap/build-documents.yaml"], 1, "REFUSED at step 3 of 8"],
    [["--bogus"], 2, ""],
    [["--svg"], 2, ""],
    [["nope.yaml"], 2, "nope.yaml: INVALID"],
  ] as const)("%j exits %d", (args, code, text) => {
    const r = run(...args);
    expect(r.code).toBe(code);
    expect(r.out).toContain(text);
    if (code === 2 && text === "") expect(r.err).toContain("usage: npm run roadmap");
    expect(r.out + r.err).not.toMatch(/\n\s+at /);
  });
});
