import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inferenceSteps } from "../../../src/host/inference/index.js";
import { phaseFile } from "../../../src/step/render.js";
import { loadProfile } from "../../../src/profile/load.js";
import { lacks } from "../../helpers/systemTools.js";

/**
 * vLLM from a plain-http index (the lab's): the wheel the profile pins by sha256 is fetched
 * alone and checked before pip installs anything, with the real pip against the lab's
 * stand-in index (lab/inference/build.sh), which also carries a 0.31.0+cu129 decoy.
 */
const ROOT = join(import.meta.dirname, "../../..");
const venvWorks = !lacks("python3", "zstd") && spawnSync("python3", ["-c", "import ensurepip, venv"]).status === 0;

// .ci/run installs python3-venv and sets AIWS_REQUIRE_SYSTEM_TOOLS: there, a skip would hide this test.
it.runIf(process.env.AIWS_REQUIRE_SYSTEM_TOOLS === "1")("python3 -m venv works here (python3-venv, zstd)", () => {
  expect(venvWorks, "install python3-venv and zstd").toBe(true);
});

describe.skipIf(!venvWorks)("the vLLM install step against a stand-in index", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiws-vllm-"));
  const built = venvWorks ? spawnSync("bash", [join(ROOT, "lab/inference/build.sh"), join(dir, "www")], { encoding: "utf8" }) : undefined;
  const bin = join(dir, "bin");
  mkdirSync(bin);
  // The packages it needs are installed (dpkg-query's answer for each one asked).
  writeFileSync(join(bin, "dpkg-query"), '#!/bin/bash\nfor a; do [[ $a == -* ]] || printf "ii %s\\n" "$a"; done\n');
  chmodSync(join(bin, "dpkg-query"), 0o755);
  const base = inferenceSteps(loadProfile(join(ROOT, "lab/profiles/lab-raid0.yaml")).profile).find((s) => s.id === "inference-vllm")!;
  const run = (sha: string, venv: string) =>
    spawnSync("bash", ["-c", phaseFile({ ...base, vars: { ...base.vars, VLLM_VENV: venv, VLLM_PIP_INDEX: `file://${dir}/www/pypi/simple/`, VLLM_SHA256: sha } }, "apply")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PIP_CONFIG_FILE: "/dev/null" },
      timeout: 120_000,
    });
  const version = (venv: string) => spawnSync(join(venv, "bin/python"), ["-m", "pip", "show", "vllm"], { encoding: "utf8" }).stdout.match(/^Version: (.*)$/m)?.[1];

  it("installs exactly the pinned build when the wheel's sha256 matches", () => {
    expect(built!.status, built!.stderr).toBe(0);
    const venv = join(dir, "ok");
    const r = run(base.vars.VLLM_SHA256!, venv);
    expect(r.status, r.stderr).toBe(0);
    // === keeps pip off 0.31.0+cu129, which a plain ==0.31.0 would take from this index.
    expect(version(venv)).toBe("0.31.0");
  });

  it("refuses a wheel whose sha256 differs, installing nothing", () => {
    const venv = join(dir, "bad");
    const r = run("0".repeat(64), venv);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`vllm-0.31.0-py3-none-any.whl: sha256 is ${base.vars.VLLM_SHA256}, the profile expects ${"0".repeat(64)}`);
    expect(version(venv)).toBeUndefined();
  });
});
