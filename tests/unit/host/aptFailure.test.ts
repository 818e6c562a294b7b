/**
 * Issue 17: apt-get exits 100 on any error, and 100 once meant "reboot required". Every step
 * that installs packages is converged here with an apt-get that fails the way a held lock
 * makes it fail: the step must fail, name apt's error, and schedule no reboot.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProfile } from "../../../src/profile/load.js";
import { planSteps } from "../../../src/host/plan.js";
import { renderScript } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";
import { fake, repoRoot, tempDir, withVars } from "./base-harness.js";

const APT_ERROR = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (python3)";
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';

/** Every step whose own scripts install, hold or remove packages. */
function aptSteps(): Step[] {
  const seen = new Map<string, Step>();
  for (const file of ["profiles/quad-gpu.yaml", "profiles/serving-4x70b.yaml", "lab/profiles/lab-raid0.yaml", "lab/profiles/lab-independent.yaml"]) {
    for (const s of planSteps(loadProfile(join(repoRoot, file)).profile)) {
      if (/\baiws_apt_(install|get|run)\b|\bapt-get\b/.test(s.apply) && !seen.has(s.id)) seen.set(s.id, s);
    }
  }
  return [...seen.values()];
}

/** A host where nothing is installed, dpkg is clean, and apt-get fails as under a held lock. */
function failingAptHost() {
  const root = tempDir("aiws-aptfail-");
  const bin = join(root, "bin");
  writeFileSync(join(root, "os-release"), DEBIAN);
  fake(bin, "apt-get", `echo "$*" >>${root}/apt-calls\necho "Reading package lists..."\necho "${APT_ERROR}" >&2\nexit 100`);
  fake(bin, "apt-mark", "exit 0");
  fake(bin, "dpkg-query", "exit 1");
  fake(bin, "dpkg", `case " $* " in *" --audit "*) exit 0 ;; *) echo "dpkg $*" >>${root}/dpkg-calls ;; esac`);
  fake(bin, "curl", `out=""; while (($#)); do [[ $1 == -o ]] && { out=$2; shift; }; shift; done; [[ -z $out ]] || : >"$out"`);
  // The downloaded cuda-keyring holds the test key (tests/fixtures/keyring), pinned below.
  fake(bin, "dpkg-deb", `[[ $1 == --fsys-tarfile ]] && tar -C ${KEYRING_FIXTURE} -cf - ./usr`);
  fake(bin, "mokutil", `echo "SecureBoot disabled"`);
  fake(bin, "systemctl", "exit 1");
  fake(bin, "nvidia-smi", "exit 9");
  fake(bin, "modprobe", "exit 1");
  return { root, bin };
}

/** Paths the steps write, moved into the temporary root (a var whose value is an absolute path under /etc, /var, /usr/local or /opt). */
function sandboxed(step: Step, root: string): Step {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.vars)) {
    if (k === "OS_RELEASE") vars[k] = join(root, "os-release");
    else if (/^\/(etc|var|usr\/local|opt|srv)\//.test(v) && !v.includes("\n") && !v.includes(" ")) vars[k] = join(root, "fs", v);
  }
  mkdirSync(join(root, "fs"), { recursive: true });
  return withVars(step, vars);
}

/** What a step needs to reach apt on this stand-in host: Ollama installs zstd for a .tar.zst asset only. */
const KEYRING_FIXTURE = join(import.meta.dirname, "../../fixtures/keyring");
const REACH_APT: Record<string, Record<string, string>> = {
  "nvidia-repo": { REPO_KEY_FINGERPRINTS: readFileSync(join(KEYRING_FIXTURE, "FINGERPRINT"), "utf8").trim() },
  "inference-ollama": { MODELS_MOUNT: "", OLLAMA_URL: "http://10.200.0.1/ollama-linux-amd64.tar.zst", OLLAMA_SHA256: createHash("sha256").update("").digest("hex") },
};

function converge(step: Step, h: { root: string; bin: string }) {
  const scheduled = join(h.root, "reboot-scheduled");
  const secrets = Object.fromEntries(step.secrets.map((n) => [n, `test-${n}`]));
  const script = renderScript(withVars(sandboxed(step, h.root), REACH_APT[step.id] ?? {}), "converge", secrets, { onRebootRequired: `touch '${scheduled}'` });
  const r = spawnSync("bash", ["-s"], {
    input: script,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, PATH: `${h.bin}:${process.env.PATH ?? "/usr/bin:/bin"}` },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, scheduled: existsSync(scheduled), aptCalled: existsSync(join(h.root, "apt-calls")) };
}

describe("a failed apt fails the step: never read as 'reboot required'", () => {
  const steps = aptSteps();

  it("finds the steps that install packages (the ones issue 17 names, at least)", () => {
    const ids = steps.map((s) => s.id);
    for (const id of ["base-packages", "nvidia-repo", "nvidia-driver", "cuda-toolkit", "storage-packages", "backup-packages", "inference-vllm", "inference-llamacpp"]) {
      expect(ids).toContain(id);
    }
  });

  for (const step of aptSteps()) {
    it(`${step.id}: apt-get exits 100 -> the step fails with apt's error, no reboot scheduled`, () => {
      const r = converge(step, failingAptHost());
      expect(r.aptCalled, `${step.id} never reached apt:\n${r.stdout}\n${r.stderr}`).toBe(true);
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      expect(r.stdout).not.toContain("reboot required");
      expect(r.scheduled).toBe(false);
      expect(r.stderr).toContain(`aiws: ${step.id}: apply failed (exit 1): `);
      expect(r.stderr).toContain(`failed (exit 100): ${APT_ERROR}`);
    });
  }

  it("no step calls apt-get, apt-mark or dpkg -i except through the step runtime's helpers", () => {
    const direct = /^(?!\s*#).*(\bapt-get\s|\bapt\s+(install|update)|\bdpkg\s+-i\b)/m;
    const offenders = aptSteps()
      .concat(planSteps(loadProfile(join(repoRoot, "profiles/quad-gpu.yaml")).profile))
      .filter((s) => direct.test(s.apply.replace(/aiws_apt_\w+[^\n]*/g, "")) && !/aiws_wait_for_dpkg_lock/.test(s.apply))
      .map((s) => s.id);
    expect([...new Set(offenders)]).toEqual([]);
  });
});
