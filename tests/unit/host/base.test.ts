import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shellcheck, verifyUnits } from "../../helpers/lint.js";
import type { Step } from "../../../src/step/step.js";
import { planSteps, type Concern } from "../../../src/host/plan.js";
import { BASE_PACKAGES, CPU_GOVERNOR_SCRIPT, DATA_DIRS, baseConcern, cpuGovernorUnit, dataLayoutConcern } from "../../../src/host/base/index.js";
import { nvidiaConcern } from "../../../src/host/nvidia/index.js";
import { cudaConcern } from "../../../src/host/cuda/index.js";
import { gpuPowerConcern } from "../../../src/host/power/index.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { SHIPPED, fake, fakeSystemctl, runBash, runPhase, shipped, tempDir, withVars } from "./base-harness.js";

const byId = (steps: Step[], id: string) => steps.find((s) => s.id === id)!;

describe("base steps", () => {
  it("packages and tuning, none waiting on another", () => {
    const steps = baseConcern.steps(shipped("base"));
    expect(steps.map((s) => [s.id, s.after])).toEqual([
      ["base-packages", []],
      ["cpu-governor", []],
      ["nofile-limits", []],
      ["swappiness", []],
    ]);
    expect(byId(steps, "base-packages").vars.PACKAGES!.split(" ")).toEqual([...BASE_PACKAGES]);
    expect(BASE_PACKAGES).toEqual(expect.arrayContaining(["build-essential", "git", "curl", "wget", "vim", "htop", "btop", "lm-sensors", "iotop", "nethogs", "fio", "smartmontools", "nvme-cli", "python3-venv", "python3-pip", "cmake", "pciutils"]));
    expect(byId(steps, "swappiness").vars.SYSCTL_TEXT).toContain("vm.swappiness = 10");
    expect(byId(steps, "nofile-limits").vars.LIMITS_TEXT).toContain("*    hard nofile 1048576");
    expect(byId(steps, "nofile-limits").vars.SYSTEMD_TEXT).toContain("DefaultLimitNOFILE=1048576");
  });

  it("data-layout waits for storage-mounted only when the profile's storage mounts something", () => {
    const withStorage = shipped("quad-gpu");
    expect(dataLayoutConcern.steps(withStorage)[0]!.after).toEqual(["storage-mounted"]);
    const noStorage: Profile = { ...withStorage, storage: undefined };
    expect(dataLayoutConcern.steps(noStorage)[0]!.after).toEqual([]);
    // Independent drives with no mounts: the storage concern has no storage-mounted step, and the
    // whole plan used to stop with "runs after storage-mounted, which is not an earlier step".
    const noMounts = { ...withStorage, storage: { ...withStorage.storage!, layout: "independent", mounts: [] } } as Profile;
    expect(dataLayoutConcern.steps(noMounts)[0]!.after).toEqual([]);
    expect(() => planSteps(noMounts)).not.toThrow();
    expect(dataLayoutConcern.steps(withStorage)[0]!.vars.DATA_DIRS).toBe(
      "datasets datasets/raw datasets/processed datasets/temp models models/base models/fine-tuned models/checkpoints",
    );
  });

  /** storage's real steps are another concern; this stands in for the one data-layout names. */
  const storageStub: Concern = {
    name: "storage",
    steps: (p) => (p.storage ? [{ ...baseConcern.steps(p)[0]!, id: "storage-mounted", concern: "storage", after: [] }] : []),
  };

  for (const name of SHIPPED) {
    it(`${name}: plans in order with storage before data-layout`, () => {
      const steps = planSteps(shipped(name), [baseConcern, nvidiaConcern, cudaConcern, gpuPowerConcern, storageStub, dataLayoutConcern]);
      expect(steps.map((s) => s.id)).toEqual([
        "base-packages",
        "cpu-governor",
        "nofile-limits",
        "swappiness",
        "nvidia-repo",
        "nvidia-nouveau-off",
        "nvidia-driver",
        "cuda-toolkit",
        "cuda-profile",
        "nvidia-persistenced",
        "gpu-power-limits",
        "storage-mounted",
        "data-layout",
      ]);
    });
  }

  // Every phase of every shipped profile's steps is linted in tests/unit/renderedScripts.test.ts.
  it("the governor script is POSIX sh, shellcheck-clean", () => {
    expect(shellcheck(CPU_GOVERNOR_SCRIPT.replace("#!/bin/sh", "#!/bin/sh\n# shellcheck shell=sh"))).toBe("");
  });

  it("the governor unit passes systemd-analyze verify", () => {
    expect(verifyUnits({ "aiws-cpu-governor.service": cpuGovernorUnit() }, { binaries: ["/usr/local/lib/aiws/cpu-governor"] })).toBe("");
  });
});

describe("base steps, run with bash", () => {
  const steps = [...baseConcern.steps(shipped("base")), ...dataLayoutConcern.steps(shipped("base"))];

  it("base-packages installs only what is missing", () => {
    const root = tempDir();
    const bin = join(root, "bin");
    fake(bin, "dpkg-query", `case \${*: -1} in git | curl) printf 'ii ' ;; *) exit 1 ;; esac`);
    fake(bin, "apt-get", `echo "$*" >>${root}/apt-calls`);
    const step = byId(steps, "base-packages");
    const check = runPhase(step, "check", { bin });
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/^packages not installed: build-essential ca-certificates wget vim /);
    expect(check.stdout).not.toMatch(/ git | curl /);
    expect(runPhase(step, "apply", { bin }).status).toBe(0);
    const calls = readFileSync(join(root, "apt-calls"), "utf8").split("\n");
    const apt = "-q -o DPkg::Lock::Timeout=1200 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold";
    expect(calls[0]).toBe(`${apt} update`);
    expect(calls[1]).toMatch(new RegExp(`^${apt} install -y --no-install-recommends build-essential ca-certificates wget `));
    expect(calls[1]).not.toMatch(/ git | curl /);
  });

  it("cpu-governor: sets performance everywhere, passes, says so on a VM, and remove restores the old governor", () => {
    const root = tempDir();
    const bin = join(root, "bin");
    fakeSystemctl(bin, join(root, "systemd"));
    const cpu = join(root, "cpu");
    for (let i = 0; i < 4; i++) {
      mkdirSync(join(cpu, `cpu${i}/cpufreq`), { recursive: true });
      writeFileSync(join(cpu, `cpu${i}/cpufreq/scaling_governor`), "powersave\n");
    }
    const step = withVars(byId(steps, "cpu-governor"), {
      CPU_DIR: cpu,
      SCRIPT_FILE: join(root, "cpu-governor"),
      UNIT_FILE: join(root, "aiws-cpu-governor.service"),
      STATE_DIR: join(root, "state"),
    });
    expect(runPhase(step, "check", { bin }).stdout).toContain("is missing or changed");
    expect(runPhase(step, "apply", { bin })).toMatchObject({ status: 0, stderr: "" });
    expect(readFileSync(join(cpu, "cpu3/cpufreq/scaling_governor"), "utf8").trim()).toBe("performance");
    expect(runPhase(step, "check", { bin })).toMatchObject({ status: 0, stdout: "" });

    writeFileSync(join(cpu, "cpu2/cpufreq/scaling_governor"), "schedutil\n");
    expect(runPhase(step, "check", { bin }).stdout).toBe("the CPU governor is schedutil, not performance, on 1 of 4 CPUs\n");

    const vm = withVars(step, { CPU_DIR: join(root, "no-cpufreq") });
    expect(runPhase(vm, "check", { bin })).toMatchObject({
      status: 0,
      stdout: "no cpufreq on this machine (a VM?): no governor to set; aiws-cpu-governor.service skips itself\n",
    });
    expect(runBash([step.vars.SCRIPT_FILE!, "performance", join(root, "no-cpufreq")]).stdout).toContain("no cpufreq on this machine");

    expect(runPhase(step, "remove", { bin }).status).toBe(0);
    expect(readFileSync(join(cpu, "cpu0/cpufreq/scaling_governor"), "utf8").trim()).toBe("powersave");
    expect(existsSync(step.vars.UNIT_FILE!)).toBe(false);
  });

  it("nofile-limits and swappiness: check, apply, check, remove", () => {
    const root = tempDir();
    const bin = join(root, "bin");
    fakeSystemctl(bin, join(root, "systemd"));
    writeFileSync(join(root, "swappiness"), "60\n");
    fake(bin, "sysctl", `if [[ $1 == -n ]]; then cat ${root}/swappiness; else v=\${*: -1}; echo "\${v#*=}" >${root}/swappiness; fi`);
    const nofile = withVars(byId(steps, "nofile-limits"), {
      LIMITS_FILE: join(root, "limits.d/90-aiws-nofile.conf"),
      SYSTEM_DROPIN: join(root, "system.conf.d/90-aiws-nofile.conf"),
      USER_DROPIN: join(root, "user.conf.d/90-aiws-nofile.conf"),
    });
    expect(runPhase(nofile, "check", { bin }).stdout).toContain("login sessions do not get nofile 1048576");
    expect(runPhase(nofile, "apply", { bin }).status).toBe(0);
    expect(runPhase(nofile, "check", { bin })).toMatchObject({ status: 0, stdout: "" });
    expect(readFileSync(nofile.vars.SYSTEM_DROPIN!, "utf8")).toContain("[Manager]\nDefaultLimitNOFILE=1048576\n");
    runPhase(nofile, "remove", { bin });
    expect(existsSync(nofile.vars.LIMITS_FILE!)).toBe(false);

    const swap = withVars(byId(steps, "swappiness"), { SYSCTL_FILE: join(root, "sysctl.d/90-aiws-swappiness.conf"), STATE_DIR: join(root, "state") });
    expect(runPhase(swap, "apply", { bin }).status).toBe(0);
    expect(runPhase(swap, "check", { bin })).toMatchObject({ status: 0, stdout: "" });
    writeFileSync(join(root, "swappiness"), "30\n");
    expect(runPhase(swap, "check", { bin }).stdout).toBe("vm.swappiness is 30 in the running kernel, not 10\n");
    runPhase(swap, "remove", { bin });
    expect(readFileSync(join(root, "swappiness"), "utf8").trim()).toBe("60");
  });

  it("data-layout creates the directories and removes only the empty ones it created", () => {
    const root = tempDir();
    const data = join(root, "data");
    mkdirSync(join(data, "models"), { recursive: true }); // already there: not aiws's to remove
    const step = withVars(byId(steps, "data-layout"), { DATA_ROOT: data, STATE_DIR: join(root, "state") });
    expect(runPhase(step, "check").stdout).toMatch(/^missing directories: .*\/data\/datasets /);
    expect(runPhase(step, "apply")).toMatchObject({ status: 0, stderr: "" });
    for (const d of DATA_DIRS) expect(statSync(join(data, d)).isDirectory(), d).toBe(true);
    expect(runPhase(step, "check")).toMatchObject({ status: 0, stdout: "" });

    writeFileSync(join(data, "datasets/raw/corpus.jsonl"), "{}\n");
    expect(runPhase(step, "remove").status).toBe(0);
    expect(existsSync(join(data, "datasets/raw/corpus.jsonl"))).toBe(true);
    expect(existsSync(join(data, "datasets/temp"))).toBe(false);
    expect(existsSync(join(data, "models/base"))).toBe(false);
    expect(existsSync(join(data, "models"))).toBe(true);
  });
});
