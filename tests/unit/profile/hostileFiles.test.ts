import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryLoadProfile } from "../../../src/profile/load.js";
import { MAX_ALIASES } from "../../../src/profile/source.js";
import { MAX_PROFILE_BYTES } from "../../../src/profile/readProfileFile.js";

/**
 * Files a careless or hostile hand can name as a profile: every one is refused with exit 2
 * and a message that names the file and the line, never a stack trace or a hang.
 */
const ROOT = join(import.meta.dirname, "../../..");
const BASE = join(ROOT, "profiles/base.yaml");

function scratch(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aiws-hostile-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `npm run check -- FILE` as a user runs it, killed after 60 s (a hang fails the test instead of the run). */
function check(file: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/check.ts"), file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

function problemsOf(file: string) {
  const { loaded, problems } = tryLoadProfile(file);
  expect(loaded).toBeUndefined();
  return problems;
}

/** A valid child of base.yaml that uses `n` aliases of one harmless anchor. */
function manyAliases(n: number): string {
  const uses = Array.from({ length: n }, (_, i) => `  a${i}: *note`).join("\n");
  return `extends: ${BASE}\nname: child\ndescription: &note just a note\nx-notes:\n${uses}\n`;
}

describe("hostile profile files", () => {
  it(`refuses more than ${MAX_ALIASES} aliases at the first one over, with exit 2 and no stack trace`, () => {
    const file = scratch("p.yaml", manyAliases(150));
    const [p] = problemsOf(file);
    expect(p).toMatchObject({ file, line: 5 + MAX_ALIASES, message: expect.stringContaining(`at most ${MAX_ALIASES}`) });
    const r = check(file);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${file}:${5 + MAX_ALIASES}:`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("refuses an alias bomb (few aliases, each doubling the last) by its expansion", () => {
    const levels = Array.from({ length: 30 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`).join("\n");
    const file = scratch("bomb.yaml", `extends: ${BASE}\nname: child\nl0: &l0 [x]\n${levels}\n`);
    const problems = problemsOf(file);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain("expand to too much");
    expect(problems[0]!.line).toBe(4);
  });

  it("accepts a few aliases as YAML allows", () => {
    const problems = tryLoadProfile(scratch("p.yaml", manyAliases(3))).problems;
    expect(problems.map((p) => p.path)).toEqual(["x-notes"]); // the unknown key, not the aliases
  });

  it("refuses a FIFO without opening it for a blocking read", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-fifo-"));
    const fifo = join(dir, "profile.yaml");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    expect(problemsOf(fifo)[0]).toMatchObject({ file: fifo, message: expect.stringMatching(/FIFO.*not a regular file/) });
    const r = check(fifo);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.out).toContain(fifo);
  });

  it("refuses a device", () => {
    expect(problemsOf("/dev/zero")[0]!.message).toContain("a character device, not a regular file");
  });

  it("refuses a file over the size cap before reading it", () => {
    const file = scratch("huge.yaml", "");
    expect(spawnSync("truncate", ["-s", String(MAX_PROFILE_BYTES + 1), file]).status).toBe(0);
    expect(problemsOf(file)[0]!.message).toContain(`at most ${MAX_PROFILE_BYTES} bytes`);
  });

  it("a parent named by extends that is a FIFO is reported at the extends line", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-fifo-"));
    expect(spawnSync("mkfifo", [join(dir, "parent.yaml")]).status).toBe(0);
    writeFileSync(join(dir, "child.yaml"), "name: child\nextends: parent.yaml\n");
    expect(problemsOf(join(dir, "child.yaml"))[0]).toMatchObject({ line: 2, message: expect.stringContaining("FIFO") });
  });

  it("still reports a key set twice, at the second", () => {
    expect(problemsOf(scratch("p.yaml", "name: x\nhardware: {}\nname: y\n"))[0]).toMatchObject({ line: 3, col: 1, message: expect.stringContaining("unique") });
  });
});
