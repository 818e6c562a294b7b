import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../../..");

/** Every npm script that runs a file in scripts/, by its npm name. */
function commands(): [string, string][] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  return Object.entries(pkg.scripts).flatMap(([name, cmd]) => {
    const m = /^tsx (scripts\/\S+\.ts)$/.exec(cmd);
    return m ? [[name, m[1]!] as [string, string]] : [];
  });
}

function run(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, file), ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("every command's --help", () => {
  it("covers every command in package.json", () => {
    expect(commands().map(([n]) => n)).toEqual(expect.arrayContaining(["check", "plan", "drift", "switch", "restore-drill", "lab", "demo", "bench:drift"]));
  });

  for (const [name, file] of commands()) {
    it(`npm run ${name} -- --help: exit 0, the usage, every option explained`, () => {
      const r = run(file, "--help");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const lines = r.out.trimEnd().split("\n");
      expect(lines[0]).toMatch(new RegExp(`^usage: npm run ${name.replace(":", "\\:")} -- `));
      // Every --option the usage line names has its own line in the help, with words after it.
      const named = new Set([...lines[0]!.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
      for (const opt of [...named, "help"]) {
        const line = lines.find((l) => new RegExp(`^\\s+(-\\w, )?--${opt}\\b`).test(l));
        expect(line, `--${opt} has no line in the help of ${name}`).toBeDefined();
        const words = line!.replace(new RegExp(`^\\s+(-\\w, )?--${opt}( [^ ]+)?`), "").trim() || lines[lines.indexOf(line!) + 1]!.trim();
        expect(words.length, `--${opt} is not explained in the help of ${name}`).toBeGreaterThan(10);
      }
      expect(r.out).toContain("Exit status:");
    });
  }

  it("-h is --help", () => {
    expect(run("scripts/drift.ts", "-h")).toEqual(run("scripts/drift.ts", "--help"));
  });
});

describe("errors", () => {
  it("--key=value works like --key value", () => {
    const r = run("scripts/drift.ts", "--host=ws.invalid", "--profile=profiles/base.yaml", "--port=99999");
    expect(r.code).toBe(2);
    expect(r.err).toContain("drift: --port 99999 is not a TCP port (1 to 65535)");
  });

  it("an error that is not about the command line does not print the usage", () => {
    const r = run("scripts/drift.ts", "--host", "ws.invalid", "--profile", "profiles/base.yaml", "--identity", "/nonexistent/key");
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("drift: --identity /nonexistent/key: no such file; name the private key file (ls ~/.ssh)");
  });

  it("a usage error does, once, without a stack trace", () => {
    const r = run("scripts/switch.ts", "--host", "ws");
    expect(r.code).toBe(2);
    expect(r.err).toContain("switch: --to profiles/NEW.yaml is required\nusage: npm run switch -- --to");
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
