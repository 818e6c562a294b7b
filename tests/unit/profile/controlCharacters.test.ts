import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile, tryLoadProfile } from "../../../src/profile/load.js";
import { profileSchema } from "../../../src/profile/schema/profile.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");

/** Every string in a value, with the path that leads to it. */
function stringLeaves(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: string }[] {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

function setIn(data: unknown, path: (string | number)[], value: string): void {
  let cur = data as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
}

describe("no string in a profile carries a control character", () => {
  // The shipped profiles that together use every section: storage, backup, inference.
  for (const name of ["a16z", "quad-gpu", "serving-4x70b"]) {
    const profile = loadProfile(join(PROFILES, `${name}.yaml`)).profile;
    const leaves = stringLeaves(profile);

    it(`${name}: the validated profile parses again as it is`, () => {
      expect(profileSchema.safeParse(structuredClone(profile)).success).toBe(true);
      expect(leaves.length).toBeGreaterThan(10);
    });

    for (const ch of ["\n", "\r", "\t", "\u001b", "\u0000", "\u2028"]) {
      it(`${name}: ${JSON.stringify(ch)} appended to any of its strings is refused at that string's path`, () => {
        const accepted: string[] = [];
        for (const leaf of leaves) {
          const data = structuredClone(profile);
          setIn(data, leaf.path, `${leaf.value}${ch}x`);
          const r = profileSchema.safeParse(data);
          const refusedHere = !r.success && r.error.issues.some((i) => i.path.join(".") === leaf.path.join("."));
          if (!refusedHere) accepted.push(leaf.path.join("."));
        }
        expect(accepted).toEqual([]);
      });
    }
  }

  it("a newline in a GPU name is reported at its line with the fix", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-ctl-"));
    const file = join(dir, "p.yaml");
    writeFileSync(
      file,
      `extends: ${join(PROFILES, "base.yaml")}\nname: child\nhardware:\n  gpus:\n    - model: rtx-pro-6000-blackwell-max-q\n      count: 1\n      name: "RTX\\nGPU0=100"\n`,
    );
    const { loaded, problems } = tryLoadProfile(file);
    expect(loaded).toBeUndefined();
    expect(problems).toContainEqual(expect.objectContaining({ path: "hardware.gpus.0.name", line: 7, message: expect.stringContaining("without control characters") }));
  });
});

describe("drive serials", () => {
  it("two drives with one serial are refused at the second", () => {
    const profile = loadProfile(join(PROFILES, "quad-gpu.yaml")).profile;
    const data = structuredClone(profile);
    data.hardware.drives[2]!.serial = data.hardware.drives[1]!.serial;
    const r = profileSchema.safeParse(data);
    expect(r.success).toBe(false);
    expect(r.error?.issues).toContainEqual(expect.objectContaining({ path: ["hardware", "drives", 2, "serial"], message: expect.stringContaining("hardware.drives.1") }));
  });
});
