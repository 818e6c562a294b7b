import { afterEach, describe, expect, it, vi } from "vitest";
import { commandJson, helpText, InputError, parseCommandArgs, runCommand, UsageError, type CommandSpec } from "../../../src/cli.js";

const SPEC: CommandSpec = {
  name: "demo-cmd",
  usage: "--host HOST [--port N] [--json] [FILE...]",
  description: "A command for the tests.",
  positionals: { "FILE...": "files to read" },
  options: {
    host: { type: "string", value: "HOST", help: "the host to reach" },
    port: { type: "string", value: "N", help: "the port" },
    json: { type: "boolean", help: "print JSON" },
  },
  exitCodes: { 0: "done", 2: "wrong" },
};

/** Runs runCommand with `main` and argv, capturing what it prints and the exit status. */
async function run(argv: string[], main: Parameters<typeof runCommand>[1] = () => 0) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
  vi.spyOn(console, "error").mockImplementation((s: string) => void err.push(s));
  process.exitCode = undefined;
  await runCommand(SPEC, main, argv);
  const code = process.exitCode;
  process.exitCode = undefined;
  return { code, out: out.join("\n"), err: err.join("\n") };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("parseCommandArgs", () => {
  it("reads --key value, --key=value, flags and positionals", () => {
    const a = parseCommandArgs(SPEC, ["--host", "ws", "--port=2222", "--json", "a.yaml", "b.yaml"]);
    expect(a.opts).toEqual({ host: "ws", port: "2222" });
    expect([...a.flags]).toEqual(["json"]);
    expect(a.positionals).toEqual(["a.yaml", "b.yaml"]);
    expect(a.help).toBe(false);
  });

  it("takes -h and --help", () => {
    expect(parseCommandArgs(SPEC, ["-h"]).help).toBe(true);
    expect(parseCommandArgs(SPEC, ["--help"]).help).toBe(true);
  });

  it("refuses an unknown option with a did-you-mean, a missing value and a value given to a flag", () => {
    expect(() => parseCommandArgs(SPEC, ["--hots", "ws"])).toThrow(new UsageError("unknown option --hots; did you mean --host?"));
    expect(() => parseCommandArgs(SPEC, ["--host"])).toThrow(new UsageError("--host needs a value (--host VALUE or --host=VALUE)"));
    expect(() => parseCommandArgs(SPEC, ["--host", "--json"])).toThrow(/--host needs a value/);
    expect(() => parseCommandArgs(SPEC, ["--json=yes"])).toThrow(new UsageError("--json takes no value"));
  });

  it("refuses a positional where the command takes none", () => {
    expect(() => parseCommandArgs({ ...SPEC, positionals: undefined }, ["stray"])).toThrow(new UsageError("unexpected argument stray"));
  });
});

describe("helpText", () => {
  it("explains every option and argument, -h/--help included, and the exit statuses", () => {
    const h = helpText(SPEC);
    expect(h.split("\n")[0]).toBe("usage: npm run demo-cmd -- --host HOST [--port N] [--json] [FILE...]");
    expect(h).toMatch(/--host HOST\s+the host to reach/);
    expect(h).toMatch(/--port N\s+the port/);
    expect(h).toMatch(/--json\s+print JSON/);
    expect(h).toMatch(/-h, --help\s+show this help and exit/);
    expect(h).toMatch(/FILE\.\.\.\s+files to read/);
    expect(h).toMatch(/Exit status:\n {2}0 {2}done\n {2}2 {2}wrong/);
  });
});

describe("runCommand", () => {
  it("--help prints the help on stdout and exits 0 without running the command", async () => {
    const main = vi.fn(() => 1);
    const r = await run(["--help"], main);
    expect(r.code).toBe(0);
    expect(r.out).toBe(helpText(SPEC));
    expect(main).not.toHaveBeenCalled();
  });

  it("a usage error prints the reason and the usage line, exit 2", async () => {
    const r = await run(["--port", "1"], () => {
      throw new UsageError("--host is required");
    });
    expect(r.code).toBe(2);
    expect(r.err).toBe("demo-cmd: --host is required\nusage: npm run demo-cmd -- --host HOST [--port N] [--json] [FILE...]  (--help explains every option)");
  });

  it("an input error prints the reason alone: the usage line would not help", async () => {
    const r = await run(["--host", "ws"], () => {
      throw new InputError("stack ws has no aiws:profile; set it with: pulumi config set aiws:profile profiles/NAME.yaml");
    });
    expect(r.code).toBe(2);
    expect(r.err).toBe("demo-cmd: stack ws has no aiws:profile; set it with: pulumi config set aiws:profile profiles/NAME.yaml");
    expect(r.err).not.toContain("usage:");
  });

  it("with --json an error is also the command's JSON object on stdout", async () => {
    const r = await run(["--json", "--host", "ws"], () => {
      throw new InputError("cannot reach ws");
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ command: "demo-cmd", status: "error", items: [], error: "cannot reach ws" });
  });

  it("passes the command's exit status on", async () => {
    expect((await run(["--host", "ws"], () => 1)).code).toBe(1);
  });

  it("lets a bug keep its stack trace", async () => {
    await expect(
      run([], () => {
        throw new TypeError("x is undefined");
      }),
    ).rejects.toThrow(TypeError);
  });
});

describe("commandJson", () => {
  it("puts the command, the status and the items first, then the details", () => {
    expect(Object.keys(commandJson("drift", "in-sync", [], { target: "ws", repair: "x" }))).toEqual(["command", "status", "items", "target", "repair"]);
  });
});

describe("drift's --json", () => {
  it("is the common shape, and reads back into the report", async () => {
    const { driftJson, driftFromJson } = await import("../../../src/drift/report.js");
    const report = { target: "root@ws", profile: "profiles/base.yaml", status: "drifted" as const, steps: [{ id: "a", title: "A", concern: "base", status: "drifted" as const, reason: "x" }], repair: "pulumi up --config aiws:repair=a@1" };
    const j = driftJson(report);
    expect(j).toMatchObject({ command: "drift", status: "drifted", items: report.steps, repair: report.repair });
    expect(driftFromJson(JSON.parse(JSON.stringify(j)))).toEqual(report);
  });
});
