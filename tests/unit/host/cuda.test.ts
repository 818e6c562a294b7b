import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Step } from "../../../src/step/step.js";
import { cudaConcern, cudaProfileScript } from "../../../src/host/cuda/index.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { SHIPPED, fake, runBash, runPhase, shipped, tempDir, withVars } from "./base-harness.js";
import { needTools } from "../../helpers/systemTools.js";

describe("cuda steps", () => {
  for (const name of SHIPPED) {
    it(`${name}: the 13.0 toolkit after the driver, then the login-shell PATH`, () => {
      const steps = cudaConcern.steps(shipped(name));
      expect(steps.map((s) => [s.id, s.after])).toEqual([
        ["cuda-toolkit", ["nvidia-driver"]],
        ["cuda-profile", ["cuda-toolkit"]],
      ]);
      expect(steps[0]!.vars).toMatchObject({ CUDA_PACKAGE: "cuda-toolkit-13-0", CUDA_VERSION: "13.0", CUDA_HOME: "/usr/local/cuda-13.0", MIN_CUDA: "12.8" });
      expect(steps[1]!.vars.PROFILE_FILE).toBe("/etc/profile.d/cuda.sh");
    });
  }

  // Every phase of every shipped profile's steps is linted in tests/unit/renderedScripts.test.ts.
  it("the profile.d script is POSIX sh, shellcheck-clean", () => {
    needTools("shellcheck");
    const dir = tempDir();
    writeFileSync(join(dir, "cuda.sh"), cudaProfileScript("13.0"));
    expect(execFileSync("shellcheck", ["--shell=sh", "--severity=style", join(dir, "cuda.sh")], { encoding: "utf8" })).toBe("");
  });

  it("the profile.d script puts the versioned bin and lib64 first, once", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "cuda.sh"), cudaProfileScript("13.0"));
    const out = runBash(["-c", `PATH=/usr/bin:/bin; unset LD_LIBRARY_PATH; . "$1"; . "$1"; echo "$PATH|$LD_LIBRARY_PATH"`, "x", join(dir, "cuda.sh")]);
    expect(out.stdout.trim()).toBe("/usr/local/cuda-13.0/bin:/usr/bin:/bin|/usr/local/cuda-13.0/lib64");
  });
});

/** A host with a fake nvcc under CUDA_HOME and an /etc/profile that reads the profile.d script. */
function cudaHost(release: string, profile: Profile) {
  const root = tempDir("aiws-cuda-");
  const home = join(root, "usr/local/cuda-13.0");
  const bin = join(root, "bin");
  mkdirSync(join(home, "bin"), { recursive: true });
  fake(join(home, "bin"), "nvcc", `echo "nvcc: NVIDIA (R) Cuda compiler driver"\necho "Cuda compilation tools, release ${release}, V${release}.93"`);
  writeFileSync(join(root, "os-release"), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(root, "dpkg"), "cuda-toolkit-13-0 13.0.2-1\n");
  fake(bin, "dpkg-query", `p=\${*: -1}; grep -q "^$p " ${root}/dpkg || exit 1; printf 'ii '`);
  writeFileSync(join(root, "profile"), `for f in ${root}/profile.d/*.sh; do . "$f"; done\n`);
  const at = (step: Step) =>
    withVars(step, {
      OS_RELEASE: join(root, "os-release"),
      CUDA_HOME: home,
      PROFILE_FILE: join(root, "profile.d/cuda.sh"),
      ETC_PROFILE: join(root, "profile"),
    });
  const [toolkit, prof] = cudaConcern.steps(profile) as [Step, Step];
  // The profile.d text names the real /usr/local path: point it at the fake home.
  const profStep = at({ ...prof, check: prof.check.replaceAll("/usr/local/cuda-13.0", home), apply: prof.apply.replaceAll("/usr/local/cuda-13.0", home) });
  return {
    root,
    toolkit: (phase: "check" | "apply") => runPhase(at(toolkit), phase, { bin }),
    profile: (phase: "check" | "apply") => runPhase(profStep, phase, { bin }),
  };
}

describe("cuda steps, run with bash", () => {
  const blackwell = shipped("base");

  it("the toolkit check reads nvcc's release", () => {
    expect(cudaHost("13.0", blackwell).toolkit("check")).toMatchObject({ status: 0, stdout: "" });
  });

  it("refuses an nvcc older than 12.8 when the profile has a Blackwell card", () => {
    const h = cudaHost("12.6", blackwell);
    const r = h.toolkit("check");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/nvcc reports CUDA 12.6; the Blackwell GPUs in this profile need CUDA 12.8 or later \(sm_120\)\n$/);
  });

  it("writes /etc/profile.d/cuda.sh; then a login shell finds the profile's nvcc, and an older one ahead of it is refused", () => {
    const h = cudaHost("13.0", blackwell);
    const before = h.profile("check");
    expect(before.status).toBe(1);
    expect(before.stdout).toContain("cuda.sh is missing or changed");
    expect(h.profile("apply").status).toBe(0);
    expect(readFileSync(join(h.root, "profile.d/cuda.sh"), "utf8")).toContain("/bin${PATH:+:${PATH}}");
    expect(h.profile("check")).toMatchObject({ status: 0, stdout: "" });

    // Another script puts CUDA 12.6 first on PATH.
    const old = join(h.root, "usr/local/cuda-12.6/bin");
    mkdirSync(old, { recursive: true });
    fake(old, "nvcc", 'echo "Cuda compilation tools, release 12.6, V12.6.85"');
    writeFileSync(join(h.root, "profile.d/zz-old-cuda.sh"), `PATH="${old}:$PATH"\n`);
    const r = h.profile("check");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^a login shell runs .*cuda-12.6\/bin\/nvcc, CUDA 12.6; the Blackwell GPUs in this profile need CUDA 12.8 or later\n$/);
  });
});
