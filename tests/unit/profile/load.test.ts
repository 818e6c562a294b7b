import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile, tryLoadProfile } from "../../../src/profile/load.js";
import { ProfileError, formatProblem } from "../../../src/profile/problems.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");

/** Writes profiles into a scratch directory and returns its path. */
function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "aiws-profile-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A valid child of the shipped base profile, with `body` appended. */
function childOfBase(body: string): string {
  return `extends: ${join(PROFILES, "base.yaml")}\nname: child\n${body}`;
}

function problemsOf(file: string) {
  const { loaded, problems } = tryLoadProfile(file);
  expect(loaded).toBeUndefined();
  return problems;
}

describe("shipped profiles", () => {
  it.each(["base", "dual-gpu", "quad-gpu", "a16z"])("%s loads with catalog figures merged", (name) => {
    const { profile } = loadProfile(join(PROFILES, `${name}.yaml`));
    expect(profile.name).toBe(name);
    const gpu = profile.hardware.gpus[0]!;
    expect(gpu.tdpW).toBe(300);
    expect(gpu.vramGiB).toBe(96);
    expect(gpu.architecture).toBe("blackwell");
    expect(gpu.connector).toBe("12v-2x6");
  });

  it("dual-gpu states only what changed and inherits the rest from base", () => {
    const base = loadProfile(join(PROFILES, "base.yaml")).profile;
    const dual = loadProfile(join(PROFILES, "dual-gpu.yaml"));
    expect(dual.files.map((f) => f.split("/").pop())).toEqual(["dual-gpu.yaml", "base.yaml"]);
    expect(dual.profile.hardware.gpus[0]!.count).toBe(2);
    expect(dual.profile.hardware.psu).toEqual(base.hardware.psu);
    expect(dual.profile.hardware.drives).toEqual(base.hardware.drives);
  });

  it("quad-gpu replaces the drive list whole (lists are not merged) and adds a PPT cap beside the catalog's figures", () => {
    const quad = loadProfile(join(PROFILES, "quad-gpu.yaml")).profile;
    expect(quad.hardware.drives.map((d) => d.role)).toEqual(["os", "raid", "raid", "raid", "raid"]);
    expect(quad.hardware.cpu.pptCapW).toBe(280);
    expect(quad.hardware.cpu.draw.peak).toBe(400); // the catalog entry stays
    expect(quad.hardware.cpu.tdpW).toBe(350);
    expect(quad.hardware.psu.model).toBeUndefined(); // `model: null` removed base's catalog model
    expect(quad.hardware.psu.native12v2x6).toBe(4);
  });
});

describe("extends", () => {
  it("merges mappings deeply and lets null remove a key", () => {
    const dir = scratch({
      "p.yaml": `${childOfBase("hardware:\n  ups: { watts: 1980, va: 2200 }\n  circuit: { amps: 20 }\n")}`,
      "q.yaml": "extends: ./p.yaml\nname: q\nhardware:\n  ups: null\n",
    });
    const p = loadProfile(join(dir, "p.yaml")).profile;
    expect(p.hardware.circuit).toMatchObject({ volts: 120, amps: 20 });
    expect(p.hardware.ups?.watts).toBe(1980);
    expect(loadProfile(join(dir, "q.yaml")).profile.hardware.ups).toBeUndefined();
  });

  it("refuses a cycle, naming the chain, at the extends line", () => {
    const dir = scratch({ "a.yaml": "name: a\nextends: ./b.yaml\n", "b.yaml": "extends: ./c.yaml\nname: b\n", "c.yaml": "extends: ./a.yaml\n" });
    const [p, ...rest] = problemsOf(join(dir, "a.yaml"));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ line: 1, col: 10, path: "extends" });
    expect(p!.file.endsWith("c.yaml")).toBe(true);
    expect(p!.message).toMatch(/cycle: .*a\.yaml -> .*b\.yaml -> .*c\.yaml -> .*a\.yaml/);
  });

  it("reports a missing parent at the extends line of the child", () => {
    const dir = scratch({ "a.yaml": "name: a\nextends: ./gone.yaml\n" });
    const [p] = problemsOf(join(dir, "a.yaml"));
    expect(p).toMatchObject({ line: 2, col: 10, path: "extends" });
    expect(p!.message).toContain("./gone.yaml: no such file");
  });

  it("refuses an extends that is not a path", () => {
    const dir = scratch({ "a.yaml": "name: a\nextends: [x]\n" });
    expect(problemsOf(join(dir, "a.yaml"))[0]).toMatchObject({ line: 2, path: "extends" });
  });
});

describe("loading errors are one line per problem, located at the node", () => {
  it("unknown key, with did-you-mean", () => {
    const dir = scratch({ "p.yaml": childOfBase("hardware:\n  circuit:\n    volts: 120\n    ampz: 15\n") });
    const problems = problemsOf(join(dir, "p.yaml"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 6, col: 5, path: "hardware.circuit.ampz" });
    expect(problems[0]!.message).toBe('unknown key "ampz"; did you mean amps?');
  });

  it("unknown top-level key lists what is known when nothing is close", () => {
    const dir = scratch({ "p.yaml": childOfBase("zzzzzz: 1\n") });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 3, col: 1, path: "zzzzzz" });
    expect(p!.message).toContain("known keys: name, description, hardware");
  });

  it("wrong type", () => {
    const dir = scratch({ "p.yaml": childOfBase("hardware:\n  memory:\n    modules: six\n") });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 5, col: 14, path: "hardware.memory.modules" });
    expect(p!.message).toBe('expected a number, got "six"');
  });

  it("out-of-range value", () => {
    const dir = scratch({ "p.yaml": childOfBase("budget:\n  psuHeadroom: 1.5\n") });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 4, col: 16, path: "budget.psuHeadroom" });
    expect(p!.message).toBe("1.5 is too large: the maximum is 1");
  });

  it("a power limit outside the card's catalog range", () => {
    const dir = scratch({ "p.yaml": childOfBase("hardware:\n  gpus:\n    - model: rtx-pro-6000-blackwell-max-q\n      count: 1\n      powerLimitW: 200\n") });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 7, col: 20, path: "hardware.gpus.0.powerLimitW" });
    expect(p!.message).toContain("outside the NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition's power-limit range 250-325 W");
  });

  it("unknown catalog model, with did-you-mean, and no noise about the missing figures", () => {
    const dir = scratch({ "p.yaml": childOfBase("hardware:\n  gpus:\n    - model: rtx-pro-6000-maxq\n      count: 2\n") });
    const problems = problemsOf(join(dir, "p.yaml"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, col: 14, path: "hardware.gpus.0.model" });
    expect(problems[0]!.message).toMatch(/^unknown model "rtx-pro-6000-maxq"; did you mean rtx-pro-6000-blackwell-max-q\?/);
  });

  it("an enum value, with did-you-mean", () => {
    const dir = scratch({ "p.yaml": childOfBase("storage:\n  layout: raid1\n") });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 4, col: 11, path: "storage.layout" });
    expect(p!.message).toBe('"raid1" is not one of independent, raid0; did you mean raid0?');
  });

  it("a problem inherited from the parent is located in the parent file", () => {
    const dir = scratch({
      "parent.yaml": childOfBase("hardware:\n  memory:\n    speedMTs: fast\n"),
      "child.yaml": "extends: ./parent.yaml\nname: kid\n",
    });
    const [p] = problemsOf(join(dir, "child.yaml"));
    expect(p!.file.endsWith("parent.yaml")).toBe(true);
    expect(p).toMatchObject({ line: 5, path: "hardware.memory.speedMTs" });
  });

  it("broken YAML", () => {
    const dir = scratch({ "p.yaml": "name: x\nhardware: [1, 2\n" });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 3, col: 1, path: "" });
    expect(p!.message).toMatch(/^broken YAML: /);
  });

  it("duplicate keys are broken YAML", () => {
    const dir = scratch({ "p.yaml": "name: x\nname: y\n" });
    expect(problemsOf(join(dir, "p.yaml"))[0]!.message).toMatch(/broken YAML: .*unique/i);
  });

  it("a file that is not a mapping", () => {
    const dir = scratch({ "p.yaml": "- a\n- b\n" });
    expect(problemsOf(join(dir, "p.yaml"))[0]!.message).toContain("a YAML mapping");
  });

  it("a missing file", () => {
    expect(problemsOf("/nonexistent/aiws.yaml")[0]).toMatchObject({ line: 0, message: "no such file" });
  });

  it("a by-id rule: kernel names are refused", () => {
    const dir = scratch({
      "p.yaml": childOfBase("hardware:\n  drives:\n    - { id: /dev/nvme0n1, role: os, model: x, serial: s, sizeGB: 1, interface: nvme-gen4 }\n"),
    });
    const [p] = problemsOf(join(dir, "p.yaml"));
    expect(p).toMatchObject({ line: 5, path: "hardware.drives.0.id" });
    expect(p!.message).toContain("/dev/disk/by-id/");
  });

  it("proprietary kernel modules on Blackwell are refused at the nvidia path", () => {
    const dir = scratch({ "p.yaml": childOfBase('nvidia:\n  kernelModules: proprietary\n  cudaVersion: "12.6"\n') });
    const problems = problemsOf(join(dir, "p.yaml"));
    expect(problems.map((p) => p.path)).toEqual(["nvidia.kernelModules", "nvidia.cudaVersion", "nvidia.cudaVersion"]);
    expect(problems[0]!.message).toContain("open kernel modules");
    expect(problems[1]!.message).toContain("CUDA 12.8 or later");
    expect(problems[2]!.message).toContain("CUDA 12.6 is not in profiles/catalog/runtimes.yaml (it lists 12.8, 12.9, 13.0, 13.1, 13.2, 13.3)");
  });

  it("loadProfile throws a ProfileError whose message is the formatted lines, no stack needed", () => {
    const dir = scratch({ "p.yaml": childOfBase("hardware:\n  circuit:\n    ampz: 15\n") });
    try {
      loadProfile(join(dir, "p.yaml"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileError);
      const err = e as ProfileError;
      expect(err.message).toBe(err.problems.map(formatProblem).join("\n"));
      expect(err.message).toMatch(/p\.yaml:5:5: hardware\.circuit\.ampz: unknown key/);
    }
  });
});
