/**
 * The step runtime's apt helper (src/step/runtime.sh), the one way steps install packages:
 * it waits for a held dpkg lock saying who holds it, gives up with one line when the wait runs
 * out, finishes an interrupted dpkg before anything else, and turns apt's failures into exit 1.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Step } from "../../../src/step/step.js";
import { fake, runPhase, tempDir } from "./base-harness.js";

const APT_OPTS = "-q -o DPkg::Lock::Timeout=1200 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold";

function installStep(): Step {
  return {
    id: "apt-test",
    title: "installs two packages",
    concern: "test",
    after: [],
    check: "exit 1",
    apply: "aiws_apt_install --no-install-recommends pkg-a pkg-b",
    remove: ":",
    vars: {},
    secrets: [],
    reboot: "never",
    destructive: false,
  };
}

/** A dpkg database in a temporary directory, apt-get and dpkg stand-ins that log their calls in order. */
function host(opts: { interrupted?: boolean; cutMidUnpack?: boolean } = {}) {
  const root = tempDir("aiws-apt-");
  const bin = join(root, "bin");
  const dpkgDir = join(root, "dpkg");
  const log = join(root, "calls");
  writeFileSync(log, "");
  mkdirSync(join(dpkgDir, "updates"), { recursive: true });
  writeFileSync(join(dpkgDir, "lock-frontend"), "");
  writeFileSync(join(dpkgDir, "lock"), "");
  if (opts.interrupted) writeFileSync(join(root, "broken"), "");
  // A package killed mid-unpack: half-installed and reinst-required until apt unpacks it again;
  // dpkg --configure -a does not touch it.
  if (opts.cutMidUnpack) writeFileSync(join(root, "half"), "");
  fake(bin, "dpkg-query", `case " $* " in *" --admindir="*) [[ ! -e ${root}/half ]] || printf '%s\\n' "iHR|cuda-toolkit-12-8" "rHR|nvidia-driver-570"; echo "ii |pkg-c" ;; *) exit 1 ;; esac`);
  fake(bin, "apt-get", `echo "apt-get $*" >>${log}; case " $* " in *" --reinstall "*) rm -f ${root}/half ;; esac`);
  fake(
    bin,
    "dpkg",
    `case " $* " in
  *" --audit "*)
    [[ ! -e ${root}/broken ]] || echo "The following packages are only half configured: cuda-toolkit-12-8"
    [[ ! -e ${root}/half ]] || printf '%s\\n' "The following packages are in a mess due to serious problems during" "installation.  They must be reinstalled for them (and any packages" "that depend on them) to function properly:" " cuda-toolkit-12-8    CUDA Toolkit 12.8 meta-package" ;;
  *" --configure -a "*) echo "dpkg --configure -a" >>${log}; rm -f ${root}/broken ;;
esac`,
  );
  const env = { AIWS_DPKG_DIR: dpkgDir };
  return { root, bin, dpkgDir, env, calls: () => readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}

/** Holds dpkg's frontend lock (an flock, as the kernel's lock table shows any lock) for `seconds`. */
function holdLock(file: string, seconds: number) {
  return spawn("flock", [file, "sleep", String(seconds)], { stdio: "ignore" });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("aiws_apt_install", () => {
  it("refreshes the lists, then installs what is missing, with the lock timeout and non-interactive conffile answers", () => {
    const h = host();
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("aiws: installing pkg-a pkg-b");
    expect(h.calls()).toEqual([`apt-get ${APT_OPTS} update`, `apt-get ${APT_OPTS} install -y --no-install-recommends pkg-a pkg-b`]);
  });

  it("waits for a held dpkg lock, saying who holds it and how long it will wait, then installs", async () => {
    const h = host();
    const holder = holdLock(join(h.dpkgDir, "lock-frontend"), 5);
    await sleep(500);
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    holder.kill();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/aiws: waiting for the dpkg lock, held by process \d+ \((flock|sleep), running [\d:]+\).*: 0 s so far, up to 1200 s/);
    expect(h.calls()).toHaveLength(2);
  });

  it("gives up with one clear line when the lock stays held past the wait, and runs no apt", async () => {
    const h = host();
    const holder = holdLock(join(h.dpkgDir, "lock"), 20);
    await sleep(500);
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: { ...h.env, AIWS_APT_LOCK_WAIT: "3" } });
    holder.kill();
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^aiws: the dpkg lock is still held by process \d+ .* after 3 s: let it finish \(systemctl status apt-daily-upgrade.service unattended-upgrades.service\), then run aiws again$/m);
    expect(h.calls()).toEqual([]);
  });

  it("finishes an interrupted dpkg (dpkg --configure -a) before anything else", () => {
    const h = host({ interrupted: true });
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("aiws: dpkg was interrupted (a cut connection, a crash or a power loss): finishing it with 'dpkg --configure -a'");
    expect(r.stdout).toContain("| The following packages are only half configured: cuda-toolkit-12-8");
    expect(r.stdout).toContain("aiws: dpkg repaired: 'dpkg --audit' is clean");
    expect(h.calls()[0]).toBe("dpkg --configure -a");
    expect(h.calls().slice(1)).toEqual([`apt-get ${APT_OPTS} update`, `apt-get ${APT_OPTS} install -y --no-install-recommends pkg-a pkg-b`]);
  });

  it("a dpkg journal left by a cut run counts as interrupted too", () => {
    const h = host();
    writeFileSync(join(h.dpkgDir, "updates", "0001"), "");
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    expect(r.stdout).toContain("dpkg's journal");
    expect(h.calls()[0]).toBe("dpkg --configure -a");
  });

  it("unpacks again a package that a crash cut off mid-unpack (half-installed, reinst-required), not one cut off while being removed, then installs", () => {
    const h = host({ cutMidUnpack: true });
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("|  cuda-toolkit-12-8    CUDA Toolkit 12.8 meta-package");
    expect(r.stdout).toContain("aiws: unpacking again what was cut off mid-unpack: cuda-toolkit-12-8");
    expect(r.stdout).toContain("aiws: dpkg repaired: 'dpkg --audit' is clean");
    expect(h.calls()).toEqual([
      "dpkg --configure -a",
      `apt-get ${APT_OPTS} update`,
      `apt-get ${APT_OPTS} install --reinstall -y cuda-toolkit-12-8`,
      `apt-get ${APT_OPTS} update`,
      `apt-get ${APT_OPTS} install -y --no-install-recommends pkg-a pkg-b`,
    ]);
  });

  it("fails naming the packages that stay broken after the repair", () => {
    const h = host({ interrupted: true });
    fake(
      h.bin,
      "dpkg",
      `case " $* " in *" --audit "*) printf '%s\\n' "The following packages are in a mess due to serious problems during" "installation.  They must be reinstalled:" " nvidia-open   NVIDIA open kernel modules" " libcuda1   CUDA driver library" ;; esac`,
    );
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("aiws: dpkg still reports broken packages after 'dpkg --configure -a', a reinstall and 'apt-get -f install': libcuda1 nvidia-open. Fix them by hand ('dpkg --audit' explains each)");
    // apt-get -f install was tried; nothing was installed.
    expect(h.calls()).toEqual([`apt-get ${APT_OPTS} install -f -y`]);
  });

  it("an apt failure is exit 1 with apt's error lines, never apt's 100", () => {
    const h = host();
    fake(h.bin, "apt-get", 'echo "Reading package lists..."\necho "E: Unable to locate package pkg-b" >&2\nexit 100');
    const r = runPhase(installStep(), "apply", { bin: h.bin, env: h.env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("aiws: apt-get update failed (exit 100): E: Unable to locate package pkg-b");
  });
});
