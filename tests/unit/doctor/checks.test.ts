import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOST_PROBE, hostChecks, localChecks, parseProbe, satisfies, shellPath, type LocalFacts } from "../../../src/doctor/checks.js";

const READY: LocalFacts = {
  nodeOnPath: "v22.23.3",
  nodeRequired: ">=22",
  pulumiVersion: "v3.276.0",
  pulumiRequired: ">=3.276.0 <4.0.0",
  commandPlugins: ["1.2.1"],
  commandRequired: "1.2.1",
  stack: { name: "workstation", passphraseEncrypted: true },
  passphraseSet: true,
};
const by = (checks: ReturnType<typeof localChecks>, name: string) => checks.find((c) => c.name === name)!;

describe("npm run doctor: this machine", () => {
  it("a ready machine: every check ok", () => {
    expect(localChecks(READY).map((c) => c.status)).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("Node.js 20 first on PATH (Pulumi would run the program with it): fail, with the PATH fix", () => {
    const c = by(localChecks({ ...READY, nodeOnPath: "v20.20.2" }), "Node.js for Pulumi");
    expect(c).toMatchObject({ status: "fail", detail: "the first node on PATH is v20.20.2, and @pulumi/pulumi needs >=22" });
    expect(c.fix).toContain('export PATH="$PWD/node_modules/.bin:$PATH"');
  });

  it("no Pulumi CLI, or one outside Pulumi.yaml's range: fail, saying which version to install", () => {
    expect(by(localChecks({ ...READY, pulumiVersion: undefined as unknown as string }), "Pulumi CLI").status).toBe("fail");
    const old = by(localChecks({ ...READY, pulumiVersion: "v3.200.1" }), "Pulumi CLI");
    expect(old.detail).toBe("pulumi v3.200.1, and Pulumi.yaml asks for >=3.276.0 <4.0.0");
    expect(old.fix).toContain("--version 3.276.0");
  });

  it("the command plugin at another version than @pulumi/command's: fail, with the install line", () => {
    const c = by(localChecks({ ...READY, commandPlugins: ["1.0.1"] }), "command plugin");
    expect(c).toMatchObject({ status: "fail", fix: "pulumi plugin install resource command v1.2.1" });
    expect(c.detail).toContain("(found: v1.0.1)");
  });

  it("a passphrase-encrypted stack without the passphrase in the environment: fail", () => {
    expect(by(localChecks({ ...READY, passphraseSet: false }), "stack passphrase").status).toBe("fail");
    expect(localChecks({ ...READY, stack: undefined as unknown as LocalFacts["stack"], passphraseSet: false }).some((c) => c.name === "stack passphrase")).toBe(false);
  });

  it("version ranges as Pulumi.yaml writes them", () => {
    expect(satisfies("v3.276.0", ">=3.276.0 <4.0.0")).toBe(true);
    expect(satisfies("3.300.2", ">=3.276.0 <4.0.0")).toBe(true);
    expect(satisfies("v4.0.0", ">=3.276.0 <4.0.0")).toBe(false);
    expect(satisfies("v3.9.0", ">=3.276.0 <4.0.0")).toBe(false);
    expect(satisfies("not a version", ">=3.276.0")).toBe(false);
  });

  it("judges the shell's PATH, not the one npm run puts node_modules/.bin at the front of", () => {
    const npm = "/w/node_modules/.bin:/w/node_modules/.bin:/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:/usr/local/bin:/usr/bin";
    expect(shellPath(npm)).toBe("/usr/local/bin:/usr/bin");
    expect(shellPath("/w/node_modules/.bin:/usr/bin")).toBe("/w/node_modules/.bin:/usr/bin");
  });
});

describe("npm run doctor: the workstation", () => {
  const probe = (over: Record<string, string> = {}) => parseProbe(Object.entries({ os: "debian 12", user: "aiws", sudo: "yes", secureboot: "SecureBoot disabled", free_usr: "80000000000", free_var: "90000000000", ...over }).map(([k, v]) => `${k}=${v}`).join("\n"));

  it("a ready workstation: ssh, sudo, OS, Secure Boot, space all ok", () => {
    expect(hostChecks(probe(), "aiws@ws").map((c) => `${c.name}:${c.status}`)).toEqual(["SSH:ok", "sudo:ok", "OS:ok", "Secure Boot:ok", "free space:ok"]);
  });

  it("a login without passwordless sudo: fail, with the sudoers line", () => {
    const c = hostChecks(probe({ sudo: "no" }), "aiws@ws").find((x) => x.name === "sudo")!;
    expect(c.status).toBe("fail");
    expect(c.fix).toContain("echo 'aiws ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/aiws");
  });

  it("another OS, Secure Boot on, and too little space: fail, warn, fail", () => {
    const c = hostChecks(probe({ os: "fedora 41", secureboot: "SecureBoot enabled", free_var: "4000000000" }), "aiws@ws");
    expect(c.find((x) => x.name === "OS")).toMatchObject({ status: "fail", detail: "fedora 41: aiws installs the NVIDIA stack on Ubuntu 24.04 or Debian 12 only" });
    expect(c.find((x) => x.name === "Secure Boot")!.status).toBe("warn");
    expect(c.find((x) => x.name === "free space")).toMatchObject({ status: "fail", detail: expect.stringContaining("4.0 GB free") });
  });

  it("the probe runs in a plain shell and answers every key (here, on this machine)", () => {
    const p = parseProbe(execFileSync("sh", ["-c", HOST_PROBE], { encoding: "utf8" }));
    expect([...p.keys()].sort()).toEqual(["free_usr", "free_var", "os", "secureboot", "sudo", "user"]);
    expect(p.get("user")).toBe(execFileSync("id", ["-un"], { encoding: "utf8" }).trim());
    expect(Number(p.get("free_usr"))).toBeGreaterThan(0);
  });

  it("the command: exit 1 naming what to fix, exit 0 when ready (stand-ins for node and pulumi)", () => {
    const bin = mkdtempSync(join(tmpdir(), "aiws-doctor-"));
    const fake = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    fake("node", 'echo v20.20.2');
    const run = () => spawnSync(process.execPath, ["--import", "tsx", "scripts/doctor.ts"], { cwd: join(import.meta.dirname, "../../.."), encoding: "utf8", env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` }, timeout: 60_000 });
    const bad = run();
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("FAIL  Node.js for Pulumi: the first node on PATH is v20.20.2");
    expect(bad.stdout).toContain("FAIL  Pulumi CLI: pulumi is not on PATH");
    fake("node", "echo v22.23.3");
    fake("pulumi", `case "$1" in version) echo v3.276.0 ;; plugin) echo '[{"name":"command","kind":"resource","version":"1.2.1"}]' ;; esac`);
    const good = run();
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain("Ready for pulumi up.");
  });
});
