import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import { parseSecretFiles, secretsNeeded } from "../../../src/init/secrets.js";
import { pulumiStandin } from "../../helpers/pulumiStandin.js";

const ROOT = join(import.meta.dirname, "../../..");
const PROFILE = "profiles/quad-gpu.yaml";

/** Stand-ins for pulumi (tests/helpers/pulumiStandin.ts), ssh and ssh-keyscan that keep what they were given; a real ssh-keygen. */
function world() {
  const dir = mkdtempSync(join(tmpdir(), "aiws-init-"));
  const bin = join(dir, "bin");
  spawnSync("mkdir", ["-p", bin]);
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "hostkey")]);
  const hostKey = readFileSync(join(dir, "hostkey.pub"), "utf8").split(" ").slice(0, 2).join(" ");
  const fingerprint = /SHA256:\S+/.exec(spawnSync("ssh-keygen", ["-lf", join(dir, "hostkey.pub")], { encoding: "utf8" }).stdout)![0];
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "login")]);
  fake("ssh-keyscan", `echo "ws.lan ${hostKey}"`);
  fake("ssh", `for a; do last=$a; done
case " $* " in *" -O "*) exit 0 ;; esac
echo "$last" >>"${dir}/ssh.log"
[[ $last == "sudo -n true" && -e "${dir}/nosudo" ]] && { echo "sudo: a password is required" >&2; exit 1; }
exit 0`);
  const pulumi = pulumiStandin(dir);
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/init.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${pulumi.bin}:${process.env.PATH ?? ""}` }, input: "", timeout: 120_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : "");
  return { dir, hostKey, fingerprint, login: join(dir, "login"), run, pulumiLog: pulumi.commands, config: pulumi.config, sshLog: () => read("ssh.log") };
}

const needed = [...secretsNeeded(loadProfile(join(ROOT, PROFILE)).profile).keys()];

function secretFiles(dir: string, names: readonly string[]): string {
  return names
    .map((n) => {
      writeFileSync(join(dir, `${n}.txt`), `value-of-${n}\n`);
      return `${n}=${join(dir, `${n}.txt`)}`;
    })
    .join(",");
}

describe("npm run init", () => {
  it("the secrets the profile's plan needs, and --secret NAME=FILE", () => {
    expect(needed.length).toBeGreaterThan(0);
    expect(parseSecretFiles("backupPassword=/a,aiws:hfToken=/b")).toEqual(new Map([["backupPassword", "/a"], ["hfToken", "/b"]]));
    expect(parseSecretFiles("nofile")).toMatch(/give NAME=FILE/);
  });

  it("one pass: the fingerprint compared, the login and sudo tried, the stack made, config set, secrets only on stdin", () => {
    const w = world();
    const r = w.run(["--host", "ws.lan", "--user", "aiws", "--profile", PROFILE, "--identity", w.login, "--fingerprint", w.fingerprint, "--secret", secretFiles(w.dir, needed)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`3. ws.lan answers with the host key ${w.fingerprint} (ED25519).`);
    expect(r.out).toContain("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    expect(r.out).toContain("4. logged in to aiws@ws.lan with that key and host key; passwordless sudo works");
    expect(r.out).toContain("Ready. Next: npm run doctor -- --stack workstation");
    expect(w.sshLog().split("\n")).toEqual(expect.arrayContaining(["true", "sudo -n true"]));
    const calls = w.pulumiLog();
    expect(calls).toContain("stack init workstation");
    for (const line of ["config set aiws:host ws.lan --stack workstation", "config set aiws:user aiws --stack workstation", "config set aiws:port 22 --stack workstation", `config set aiws:profile ${PROFILE} --stack workstation`, `config set aiws:hostKey ${w.hostKey} --stack workstation`]) {
      expect(calls).toContain(line);
    }
    // Secrets travel on stdin: their values never appear in any command line.
    expect(calls).not.toContain("value-of-");
    expect(calls).not.toContain("PRIVATE KEY");
    const config = w.config();
    expect(config["aiws:sshPrivateKey"]).toEqual({ value: readFileSync(w.login, "utf8").replace(/\n$/, ""), secret: true });
    for (const n of needed) expect(config[`aiws:${n}`]).toEqual({ value: `value-of-${n}`, secret: true });
    expect(config["aiws:hostKey"]).toEqual({ value: w.hostKey, secret: false });
  });

  it("safe to run again: the stack is selected, the secrets already in it are kept", () => {
    const w = world();
    const args = ["--host", "ws.lan", "--profile", PROFILE, "--identity", w.login, "--host-key", w.hostKey];
    expect(w.run([...args, "--secret", secretFiles(w.dir, needed)]).code).toBe(0);
    const again = w.run(args);
    expect(again.code, again.out).toBe(0);
    for (const n of needed) expect(again.out).toContain(`aiws:${n} kept`);
    expect(w.pulumiLog().match(/^stack init/gm)).toHaveLength(1);
  });

  it("a fingerprint that differs from the console's: stops, writing nothing", () => {
    const w = world();
    const r = w.run(["--host", "ws.lan", "--profile", PROFILE, "--identity", w.login, "--fingerprint", "SHA256:somethingElseEntirely"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`the console shows SHA256:somethingElseEntirely, but ws.lan answered with ${w.fingerprint}: something else may be answering at that address. Nothing was written`);
    expect(w.pulumiLog()).toBe("");
    expect(w.sshLog()).toBe("");
  });

  it("without a fingerprint and without a terminal to ask on, pins nothing", () => {
    const w = world();
    const r = w.run(["--host", "ws.lan", "--profile", PROFILE, "--identity", w.login]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("the host key is not pinned: run again with --fingerprint SHA256:...");
    expect(w.pulumiLog()).toBe("");
  });

  it("a login without passwordless sudo: stops with the sudoers line, before the stack", () => {
    const w = world();
    writeFileSync(join(w.dir, "nosudo"), "");
    const r = w.run(["--host", "ws.lan", "--user", "aiws", "--profile", PROFILE, "--identity", w.login, "--host-key", w.hostKey]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("echo 'aiws ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/aiws");
    expect(w.pulumiLog()).toBe("");
  });

  it("secrets still missing (no file, no terminal): exit 1 naming each, with the command that sets it", () => {
    const w = world();
    const r = w.run(["--host", "ws.lan", "--profile", PROFILE, "--identity", w.login, "--host-key", w.hostKey]);
    expect(r.code).toBe(1);
    for (const n of needed) expect(r.out).toContain(`pulumi config set --secret aiws:${n} --stack workstation < FILE`);
  });

  it("a new dedicated key pair is made once, and its public half shown to authorize", () => {
    const w = world();
    const key = join(w.dir, "aiws_ed25519");
    const r = w.run(["--host", "ws.lan", "--profile", PROFILE, "--new-key", key, "--host-key", w.hostKey, "--secret", secretFiles(w.dir, needed)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`2. made the key pair ${key}`);
    expect(r.out).toContain(readFileSync(`${key}.pub`, "utf8").trim());
    const again = w.run(["--host", "ws.lan", "--profile", PROFILE, "--new-key", key, "--host-key", w.hostKey]);
    expect(again.out).toContain(`2. key pair ${key}: kept`);
  });

  it("a profile its budgets refuse: the report, exit 1, nothing contacted", () => {
    const w = world();
    const r = w.run(["--host", "ws.lan", "--profile", "profiles/a16z.yaml", "--identity", w.login, "--host-key", w.hostKey]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("REFUSED");
    expect(w.pulumiLog()).toBe("");
    expect(w.sshLog()).toBe("");
  });
});
