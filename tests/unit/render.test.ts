import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONVERGE_RUNNER, STEP_QUERIES, STEP_RUNTIME, heredocDelimiter, phaseFile, renderScript, secretFileVar, shellQuote, type Phase } from "../../src/step/render.js";
import type { Step } from "../../src/step/step.js";
import { shellcheck } from "../helpers/lint.js";

/** Runs a rendered script the way every driver does: on stdin of `bash -s`. */
function run(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", timeout: 20_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function step(over: Partial<Step> = {}): Step {
  return {
    id: "demo-step",
    title: "A step for tests",
    concern: "test",
    after: [],
    check: "exit 0",
    apply: "exit 0",
    remove: "exit 0",
    vars: {},
    secrets: [],
    reboot: "never",
    destructive: false,
    ...over,
  };
}

const HOSTILE = [
  "plain",
  "",
  "it's",
  "''''",
  "$(touch /tmp/aiws-pwned)",
  "`touch /tmp/aiws-pwned`",
  '"double" \\ back\\slash',
  "line one\nline two\n",
  "tab\there; semi; && || | > < * ? [a] ~ ! # {x,y}",
  "${HOME} $HOME $'\\n'",
  "ünïcödé ✓",
  "AIWS_CHECK_EOF",
  "EOF",
];

describe("shellQuote and the preamble", () => {
  it("round-trips hostile values exactly through bash", () => {
    const vars: Record<string, string> = {};
    HOSTILE.forEach((v, i) => (vars[`V_${i}`] = v));
    const check = HOSTILE.map((_, i) => `printf '%s\\0' "$V_${i}"`).join("\n");
    const r = run(renderScript(step({ vars, check }), "check"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(HOSTILE);
    expect(existsSync("/tmp/aiws-pwned")).toBe(false);
  });

  it("sets AIWS_STEP", () => {
    const r = run(renderScript(step({ check: 'echo "$AIWS_STEP"' }), "check"));
    expect(r.stdout).toBe("demo-step\n");
  });

  it("quotes with single quotes only", () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });

  it("refuses variable names that are not [A-Z_][A-Z0-9_]* or that the shell owns", () => {
    for (const bad of ["lower", "1ABC", "A-B", "A B", "A;rm", ""]) {
      expect(() => renderScript(step({ vars: { [bad]: "x" } }), "check")).toThrow(/variable name/);
    }
    for (const reserved of ["PATH", "IFS", "AIWS_STEP", "AIWS_SECRET_X_FILE", "BASH_ENV", "LD_PRELOAD"]) {
      expect(() => renderScript(step({ vars: { [reserved]: "x" } }), "check")).toThrow(/reserved/);
    }
  });

  it("refuses a step id that is not kebab-case", () => {
    expect(() => renderScript(step({ id: "Bad Id" }), "check")).toThrow(/kebab-case/);
    expect(() => renderScript(step({ id: "x\ny" }), "check")).toThrow(/kebab-case/);
  });

  it("never sends anything as environment: no export of a var, no env prefix", () => {
    const s = renderScript(step({ vars: { DRIVER: "580" } }), "converge");
    expect(s).not.toMatch(/export DRIVER/);
    expect(s).toContain("DRIVER='580'");
  });
});

describe("here-document delimiters", () => {
  it("picks a delimiter that is not a line of the text", () => {
    expect(heredocDelimiter("X_EOF", "a\nb\n")).toBe("X_EOF");
    expect(heredocDelimiter("X_EOF", "a\nX_EOF\nX_EOF_1\n")).toBe("X_EOF_2");
    expect(heredocDelimiter("X_EOF", "  X_EOF\nX_EOFx\n")).toBe("X_EOF");
  });

  it("carries a body holding the default delimiter whole", () => {
    const check = "cat <<'AIWS_CHECK_EOF'\ninner\nAIWS_CHECK_EOF\necho done";
    const r = run(renderScript(step({ check }), "check"));
    expect(r.stdout).toBe("inner\ndone\n");
    expect(r.code).toBe(0);
  });
});

describe("secrets", () => {
  const SECRET = "hunter2'\"$(echo no)\nAIWS_SECRET_EOF\n  trailing  ";
  const s = step({
    secrets: ["apiToken"],
    check: 'test -s "$STATE/copied" && cmp -s "$AIWS_SECRET_API_TOKEN_FILE" "$STATE/copied" || { echo "token not installed"; exit 1; }',
    apply: 'cp "$AIWS_SECRET_API_TOKEN_FILE" "$STATE/copied"\nstat -c %a "$AIWS_SECRET_API_TOKEN_FILE" > "$STATE/mode"\necho "$AIWS_SECRET_API_TOKEN_FILE" > "$STATE/path"',
  });
  let state: string;
  beforeEach(() => (state = mkdtempSync(join(tmpdir(), "aiws-render-"))));
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  it("names the file variable AIWS_SECRET_<NAME>_FILE", () => {
    expect(secretFileVar("apiToken")).toBe("AIWS_SECRET_API_TOKEN_FILE");
    expect(secretFileVar("restic-password")).toBe("AIWS_SECRET_RESTIC_PASSWORD_FILE");
    expect(secretFileVar("NAS_KEY")).toBe("AIWS_SECRET_NAS_KEY_FILE");
    expect(() => secretFileVar("bad name")).toThrow();
  });

  it("puts the value only inside its quoted here-document", () => {
    const script = renderScript({ ...s, vars: { STATE: state } }, "converge", { apiToken: SECRET });
    const first = script.indexOf(SECRET);
    expect(first).toBeGreaterThan(0);
    expect(script.indexOf(SECRET, first + 1)).toBe(-1);
    const before = script.slice(0, first).split("\n");
    const opener = before[before.length - 2]!;
    const m = /^cat > "\$AIWS_SECRET_API_TOKEN_FILE" <<'(\w+)'$/.exec(opener);
    expect(m).not.toBeNull();
    // The value holds the default delimiter as a line, so another one was picked.
    expect(m![1]).not.toBe("AIWS_SECRET_EOF");
    expect(script.slice(first + SECRET.length)).toMatch(new RegExp(`^\\n${m![1]}\\n`));
    // No line of the value is a line anywhere else in the script (no echo, no argv).
    for (const line of ["hunter2'\"$(echo no)", "  trailing  "]) {
      expect(script.split("\n").filter((l) => l === line)).toHaveLength(1);
    }
  });

  it("writes the exact bytes to a 0600 file, removed when the script ends, and never prints them", () => {
    const r = run(renderScript({ ...s, vars: { STATE: state } }, "converge", { apiToken: SECRET }));
    expect(r.code).toBe(0);
    expect(readFileSync(join(state, "copied"), "utf8")).toBe(SECRET);
    expect(readFileSync(join(state, "mode"), "utf8").trim()).toBe("600");
    const path = readFileSync(join(state, "path"), "utf8").trim();
    expect(path).toMatch(/^\/(run\/aiws|tmp\/aiws-\d+)\/runs\/demo-step\.\w+\/secret-api_token$/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(path, ".."))).toBe(false);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain("hunter2");
      expect(out).not.toContain("trailing");
    }
  });

  it("keeps a value with no trailing newline, an empty one and a multi-line key exact", () => {
    for (const value of ["no-newline", "", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n", "\n\n"]) {
      const r = run(renderScript({ ...s, vars: { STATE: state } }, "apply", { apiToken: value }));
      expect(r.code).toBe(0);
      expect(readFileSync(join(state, "copied"), "utf8")).toBe(value);
    }
  });

  it("renders only the secrets the step lists", () => {
    const script = renderScript({ ...s, vars: { STATE: state } }, "converge", { apiToken: "t0ken", other: "not-for-this-step" });
    expect(script).not.toContain("not-for-this-step");
  });

  it("refuses to render apply or converge without a secret the step needs; remove needs none", () => {
    for (const p of ["apply", "converge"] as Phase[]) {
      expect(() => renderScript(s, p)).toThrow(/needs secret apiToken/);
    }
    expect(renderScript(s, "remove")).not.toContain("AIWS_SECRET_API_TOKEN_FILE=");
  });

  it("renders a check without its secrets (the drift check never sends them) with the file variable empty", () => {
    const script = renderScript({ ...s, check: 'echo "file=[${AIWS_SECRET_API_TOKEN_FILE}]"' }, "check");
    expect(script).toContain("export AIWS_SECRET_API_TOKEN_FILE=''");
    expect(run(script).stdout).toBe("file=[]\n");
  });
});

describe("converge", () => {
  let state: string;
  beforeEach(() => (state = mkdtempSync(join(tmpdir(), "aiws-render-"))));
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  /** Fake phases that count their runs in $STATE and converge when $STATE/ok exists. */
  function counting(over: Partial<Step> = {}): Step {
    return step({
      vars: { STATE: state },
      check: 'echo x >> "$STATE/checks"\nif [ -e "$STATE/ok" ]; then exit 0; fi\necho "ok file missing in $STATE"\nexit 3',
      apply: 'echo x >> "$STATE/applies"\ndirname "$0" > "$STATE/workdir"\ntouch "$STATE/ok"',
      ...over,
    });
  }
  const count = (f: string) => (existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8").split("\n").filter(Boolean).length : 0);

  it("in sync: checks once, applies nothing", () => {
    writeFileSync(join(state, "ok"), "");
    const r = run(renderScript(counting(), "converge"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("aiws: demo-step: in sync\n");
    expect(count("checks")).toBe(1);
    expect(count("applies")).toBe(0);
  });

  it("drifted: prints the check's reason, applies once, checks again", () => {
    const r = run(renderScript(counting(), "converge"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`aiws: demo-step: not in sync: ok file missing in ${state}`);
    expect(r.stdout).toContain("aiws: demo-step: converged");
    expect(count("checks")).toBe(2);
    expect(count("applies")).toBe(1);
    // The work directory is gone.
    const dir = readFileSync(join(state, "workdir"), "utf8").trim();
    expect(dir).toMatch(/^\/(run\/aiws|tmp\/aiws-\d+)\/runs\/demo-step\./);
    expect(existsSync(dir)).toBe(false);
  });

  it("an apply that does not fix it fails with the check's reason", () => {
    const r = run(renderScript(counting({ apply: 'echo x >> "$STATE/applies"' }), "converge"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`aiws: demo-step: still not converged after apply: ok file missing in ${state}`);
    expect(count("applies")).toBe(1);
    expect(count("checks")).toBe(2);
  });

  it("an apply that fails stops with its exit status, and set -e holds inside it", () => {
    const r = run(renderScript(counting({ apply: 'echo x >> "$STATE/applies"\nfalse\ntouch "$STATE/ok"' }), "converge"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("aiws: demo-step: apply failed (exit 1)");
    expect(existsSync(join(state, "ok"))).toBe(false);
    const r7 = run(renderScript(counting({ apply: "exit 7" }), "converge"));
    expect(r7.code).toBe(7);
    expect(count("checks")).toBe(2); // one check per run, no re-check after a failed apply
  });

  it("set -u and pipefail hold inside a phase", () => {
    const unset = run(renderScript(counting({ apply: 'echo "$NOT_SET_ANYWHERE"\ntouch "$STATE/ok"' }), "converge"));
    expect(unset.code).not.toBe(0);
    expect(existsSync(join(state, "ok"))).toBe(false);
    const pipe = run(renderScript(counting({ apply: 'false | cat\ntouch "$STATE/ok"' }), "converge"));
    expect(pipe.code).not.toBe(0);
    expect(existsSync(join(state, "ok"))).toBe(false);
  });

  it("a check that fails with set -e (not an explicit exit) is a drift, not a crash", () => {
    const r = run(renderScript(counting({ check: 'echo x >> "$STATE/checks"\ntest -e "$STATE/ok"' }), "converge"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aiws: demo-step: not in sync: check exited 1");
    expect(count("applies")).toBe(1);
  });

  it("aiws_reboot_required: reboot required, exit 0, no re-check, nothing scheduled unless the driver asks", () => {
    const reboot = counting({ apply: 'echo x >> "$STATE/applies"\naiws_reboot_required "the new module loads at boot"', reboot: "if-needed" });
    const r = run(renderScript(reboot, "converge"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aiws: demo-step: reboot required");
    expect(r.stdout).toContain("aiws: the new module loads at boot");
    expect(count("checks")).toBe(1); // no re-check: it cannot pass before the reboot
    const withHook = run(renderScript(reboot, "converge", undefined, { onRebootRequired: `touch "${state}/scheduled"\necho hook ran` }));
    expect(withHook.code).toBe(0);
    expect(withHook.stdout).toMatch(/reboot required\nhook ran\n$/);
    expect(existsSync(join(state, "scheduled"))).toBe(true);
  });

  it("exit 100 is a failure like any other (apt-get's code for every error): no reboot, the apply's error named", () => {
    const apt = counting({
      apply: 'echo x >> "$STATE/applies"\necho "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (python3)" >&2\nexit 100',
      reboot: "if-needed",
    });
    const r = run(renderScript(apt, "converge", undefined, { onRebootRequired: `touch "${state}/scheduled"` }));
    expect(r.code).toBe(100);
    expect(r.stdout).not.toContain("reboot required");
    expect(r.stderr).toContain("aiws: demo-step: apply failed (exit 100): E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (python3)");
    expect(existsSync(join(state, "scheduled"))).toBe(false);
  });

  it("an apply that exits 0 after an error it ignored: the failed re-check names that error too", () => {
    const masked = counting({ apply: 'echo x >> "$STATE/applies"\necho "E: dpkg was interrupted" >&2\ntrue' });
    const r = run(renderScript(masked, "converge"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`aiws: demo-step: still not converged after apply: ok file missing in ${state} (apply said: E: dpkg was interrupted)`);
  });

  it("a stamp only adds a comment: the script changes, what it does does not", () => {
    writeFileSync(join(state, "ok"), "");
    const plain = renderScript(counting(), "converge");
    const stamped = renderScript(counting(), "converge", undefined, { stamp: "20261127T101500Z" });
    expect(stamped).not.toBe(plain);
    expect(stamped.replace("# aiws: run again on request 20261127T101500Z\n", "")).toBe(plain);
    expect(run(stamped).stdout).toBe("aiws: demo-step: in sync\n");
    expect(shellcheck(stamped)).toBe("");
  });

  it("phases cannot read the rest of the script from stdin", () => {
    const r = run(renderScript(counting({ apply: 'cat >/dev/null\necho x >> "$STATE/applies"\ntouch "$STATE/ok"' }), "converge"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("converged");
  });

  it("check, apply and remove run one phase and exit with its status", () => {
    const s = counting({ remove: 'rm -f "$STATE/ok"\necho removed' });
    expect(run(renderScript(s, "check")).code).toBe(3);
    expect(run(renderScript(s, "apply")).code).toBe(0);
    expect(run(renderScript(s, "check")).code).toBe(0);
    expect(run(renderScript(s, "remove")).stdout).toBe("removed\n");
    expect(run(renderScript(s, "check")).stdout).toBe(`ok file missing in ${state}\n`);
    expect(statSync(state).isDirectory()).toBe(true);
  });
});

describe("shellcheck", () => {
  const typical = step({
    vars: { GPU_COUNT: "2", NAME: "it's" },
    secrets: ["resticPassword"],
    check: 'test "$(nvidia-smi -L | wc -l)" -eq "$GPU_COUNT" || { echo "want $GPU_COUNT GPUs"; exit 1; }',
    apply: 'install -m 0600 "$AIWS_SECRET_RESTIC_PASSWORD_FILE" /etc/aiws/restic\naiws_reboot_required "a reboot loads it"',
    remove: "rm -f /etc/aiws/restic",
  });

  it("every rendered phase is clean, with and without secrets and the reboot hook", () => {
    for (const p of ["check", "apply", "remove", "converge"] as Phase[]) {
      expect(shellcheck(renderScript(typical, p, { resticPassword: "pw" }))).toBe("");
      expect(shellcheck(renderScript({ ...typical, secrets: [] }, p))).toBe("");
    }
    expect(shellcheck(renderScript(typical, "converge", { resticPassword: "pw" }, { onRebootRequired: 'echo "rebooting"' }))).toBe("");
  });

  it("the detached runner and the step runtime are clean as the host runs them", () => {
    expect(shellcheck(CONVERGE_RUNNER)).toBe("");
    expect(shellcheck(`#!/usr/bin/env bash\nset -euo pipefail\n${STEP_QUERIES}\n${STEP_RUNTIME}`)).toBe("");
  });

  it("a phase file (preamble + body) is clean when the body is", () => {
    for (const p of ["check", "apply", "remove"] as const) expect(shellcheck(phaseFile(typical, p))).toBe("");
  });
});
