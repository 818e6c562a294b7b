import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveTarget } from "../../../src/ssh/target.js";
import { UsageError } from "../../../src/cli.js";
import { SshSession } from "../../../src/ssh/ssh.js";
import { sshArgs } from "../../../src/lab/ssh.js";
import { makeFakes } from "./fakes.js";

/**
 * One host-trust policy and no option injection, for drift, switch and restore-drill: the
 * stack's pinned key, or --host-key, or the user's known_hosts strictly; never trust on
 * first use; a user or host that ssh would read as an option is refused before ssh runs.
 */
const ROOT = join(import.meta.dirname, "../../..");
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const savedEnv = { ...process.env };
afterEach(() => {
  process.env.PATH = savedEnv.PATH;
  delete process.env.FAKE_DIR;
});

/** Points this process's PATH at the stand-ins, as the stack commands would find them. */
function useFakes(config: Record<string, string>) {
  const f = makeFakes(config);
  const env = f.env();
  process.env.PATH = env.PATH;
  process.env.FAKE_DIR = f.dir;
  return f;
}

async function usageError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("host trust for the commands that log in as root", () => {
  it("refuses a stack without aiws:hostKey, showing how to read and compare the fingerprint", async () => {
    useFakes({ "aiws:host": "ws.lan", "aiws:profile": "profiles/base.yaml" });
    const m = await usageError(resolveTarget({ stack: "ws" }));
    expect(m).toContain("stack ws has no aiws:hostKey");
    expect(m).toContain("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    expect(m).toContain(`pulumi config set aiws:hostKey "$(cat ws.hostkey)" --stack ws`);
  });

  it("uses the stack's pinned key", async () => {
    useFakes({ "aiws:host": "ws.lan", "aiws:profile": "profiles/base.yaml", "aiws:hostKey": HOST_KEY });
    const t = await resolveTarget({ stack: "ws" });
    expect(t.ssh.trust).toEqual({ kind: "pinned", hostKey: HOST_KEY });
  });

  it("skips the check only with the explicit opt-out, and says so", async () => {
    useFakes({ "aiws:host": "ws.lan", "aiws:profile": "profiles/base.yaml", "aiws:insecureIgnoreHostKey": "true" });
    const warnings: string[] = [];
    const t = await resolveTarget({ stack: "ws" }, (l) => warnings.push(l));
    expect(t.ssh.trust).toEqual({ kind: "insecure" });
    expect(warnings.join("\n")).toMatch(/WARNING: aiws:insecureIgnoreHostKey is true/);
  });

  it("--host mode: --host-key pins, a malformed one is refused, none means known_hosts strictly", async () => {
    expect((await resolveTarget({ host: "ws.lan", profile: "p.yaml", "host-key": HOST_KEY })).ssh.trust).toEqual({ kind: "pinned", hostKey: HOST_KEY });
    expect(await usageError(resolveTarget({ host: "ws.lan", profile: "p.yaml", "host-key": "AAAA" }))).toContain("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    const t = await resolveTarget({ host: "ws.lan", profile: "p.yaml" });
    expect(t.ssh.trust).toEqual({ kind: "known-hosts" });
  });

  it("ssh gets StrictHostKeyChecking=yes in every mode but the opt-out, and never accept-new", async () => {
    const f = useFakes({});
    for (const trust of [{ kind: "pinned", hostKey: HOST_KEY }, { kind: "known-hosts" }] as const) {
      const s = new SshSession({ host: "ws.lan", port: 22, user: "root", trust });
      await s.run("true");
      await s.close();
    }
    const sessions = f.sshCalls().filter((a) => !a.includes("-O"));
    expect(sessions).toHaveLength(2);
    for (const a of sessions) {
      expect(a).toContain("StrictHostKeyChecking=yes");
      expect(a.join(" ")).not.toContain("accept-new");
    }
  });
});

describe("user and host are never ssh options", () => {
  it.each([
    [{ host: "ws.lan", user: "-oProxyCommand=touch /tmp/x" }, /^--user "-oProxyCommand=touch \/tmp\/x" starts with "-"/],
    [{ host: "-oProxyCommand=touch /tmp/x" }, /^--host "-oProxyCommand=touch \/tmp\/x" starts with "-"/],
    [{ host: "ws.lan", user: "root@evil" }, /^--user "root@evil" is not a user name/],
    [{ host: "ws lan" }, /^--host "ws lan" is not a host name/],
  ])("refuses %j", async (args, message) => {
    expect(await usageError(resolveTarget({ profile: "p.yaml", ...args }))).toMatch(message);
  });

  it("passes user, port and host as -l, -p and after --, in the runner and the lab", async () => {
    const f = useFakes({});
    const s = new SshSession({ host: "ws.lan", port: 2222, user: "aiws", trust: { kind: "known-hosts" } });
    await s.run("echo hi");
    await s.close();
    for (const a of f.sshCalls()) {
      const dest = a.indexOf("--");
      expect(a.slice(dest - 4, dest + 2)).toEqual(["-l", "aiws", "-p", "2222", "--", "ws.lan"]);
      expect(a.filter((x) => x.includes("@"))).toEqual([]);
    }
    expect(sshArgs("10.200.0.10", "aiws").slice(-6)).toEqual(["-l", "aiws", "-p", "22", "--", "10.200.0.10"]);
    expect(() => new SshSession({ host: "ws.lan", port: 22, user: "-oProxyCommand=x", trust: { kind: "known-hosts" } })).toThrow(/starts with "-"/);
  });

  it("npm run drift with --user '-oProxyCommand=...' runs nothing here and exits 2", () => {
    const marker = join(mkdtempSync(join(tmpdir(), "aiws-inject-")), "ran");
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/drift.ts", "--host", "127.0.0.1", "--profile", "profiles/base.yaml", `--user=-oProxyCommand=touch ${marker}`],
      { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
    );
    expect(existsSync(marker)).toBe(false);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--user "-oProxyCommand=touch');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
