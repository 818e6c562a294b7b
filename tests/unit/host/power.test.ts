import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shellcheck, verifyUnits } from "../../helpers/lint.js";
import {
  GPU_POWER_LIMITS_PROGRAM,
  POWER_PATHS,
  gpuPowerConcern,
  gpuPowerLimitsConf,
  gpuPowerLimitsUnit,
} from "../../../src/host/power/index.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import {
  fakeNvidiaSmi,
  fakeSystemctl,
  nvidiaSmiWrapper,
  repoRoot,
  runBash,
  runPhase,
  setSmiConf,
  shipped,
  smiLimits,
  smiPlCalls,
  tempDir,
  withVars,
  type FakeGpu,
} from "./base-harness.js";

const MAXQ = "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition";

/** Four Max-Q cards whose enumeration order (index) is not their PCI bus order. */
function quadGpus(over: Partial<FakeGpu> = {}): FakeGpu[] {
  const buses = ["00000000:C1:00.0", "00000000:41:00.0", "00000000:E1:00.0", "00000000:61:00.0"];
  return buses.map((bus, index) => ({
    index,
    uuid: `GPU-0000000${index}-aaaa-bbbb-cccc-dddddddddd0${index}`,
    bus,
    name: MAXQ,
    limit: "300.00",
    min: "250.00",
    max: "325.00",
    default: "300.00",
    ...over,
  }));
}

interface Host {
  readonly root: string;
  readonly bin: string;
  readonly smi: string;
  readonly conf: string;
  readonly previous: string;
  run(mode: "apply" | "check" | "restore"): ReturnType<typeof runBash>;
  /** Each GPU's power limit now, in index order. */
  limits(): string[];
  plCalls(): string[];
}

/** The program installed in a temporary root with the profile's config, against the stand-in nvidia-smi. */
function host(profile: Profile, gpus: FakeGpu[], opts: { attempts?: number } = {}): Host {
  const root = tempDir("aiws-power-");
  const bin = join(root, "bin");
  const smi = join(root, "smi");
  fakeNvidiaSmi(bin, smi, gpus);
  const previous = join(root, "var/lib/aiws/gpu-power-limits.previous");
  const conf = join(root, "gpu-power-limits.conf");
  writeFileSync(conf, gpuPowerLimitsConf(profile, { previous, delayS: 0, attempts: opts.attempts }));
  const program = join(root, "gpu-power-limits");
  writeFileSync(program, GPU_POWER_LIMITS_PROGRAM);
  return {
    root,
    bin,
    smi,
    conf,
    previous,
    run: (mode) => runBash([program, mode, conf], { bin }),
    limits: () => smiLimits(smi),
    plCalls: () => smiPlCalls(smi),
  };
}

const quad = shipped("quad-gpu");
const base = shipped("base");

describe("gpu-power steps", () => {
  it("quad-gpu: persistence first, then the limits at 250 W for four Max-Q cards", () => {
    const steps = gpuPowerConcern.steps(quad);
    expect(steps.map((s) => [s.id, s.after])).toEqual([
      ["nvidia-persistenced", ["nvidia-driver"]],
      ["gpu-power-limits", ["nvidia-persistenced"]],
    ]);
    const limits = steps[1]!;
    expect(limits.vars.CONF_TEXT).toContain(`gpu 4 250 ${MAXQ}`);
    expect(limits.vars.CONF_FILE).toBe("/etc/aiws/gpu-power-limits.conf");
    expect(limits.vars.UNIT_NAME).toBe("aiws-gpu-power-limits.service");
    expect(limits.title).toContain("4 x 250 W");
    expect(steps.every((s) => s.concern === "gpu-power" && s.reboot === "never" && !s.destructive)).toBe(true);
  });

  it("base and dual-gpu set no limit: the cards keep their default, recorded as such", () => {
    expect(gpuPowerConcern.steps(base)[1]!.vars.CONF_TEXT).toContain(`gpu 1 default ${MAXQ}`);
    expect(gpuPowerConcern.steps(shipped("dual-gpu"))[1]!.vars.CONF_TEXT).toContain(`gpu 2 default ${MAXQ}`);
  });

  it("without persistence in the profile the limits follow the driver directly", () => {
    const noPersist: Profile = { ...quad, nvidia: { ...quad.nvidia, persistence: false } };
    expect(gpuPowerConcern.steps(noPersist).map((s) => [s.id, s.after])).toEqual([["gpu-power-limits", ["nvidia-driver"]]]);
  });

  // Every phase of every shipped profile's steps is linted in tests/unit/renderedScripts.test.ts.
  it("the boot program and the tests' nvidia-smi wrapper are shellcheck-clean", () => {
    expect(shellcheck(GPU_POWER_LIMITS_PROGRAM)).toBe("");
    expect(shellcheck(nvidiaSmiWrapper("/tmp/aiws-smi"))).toBe("");
  });

  it("the boot unit passes systemd-analyze verify", () => {
    const unit = gpuPowerLimitsUnit();
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^RemainAfterExit=yes$/m);
    expect(unit).toMatch(/^After=nvidia-persistenced.service$/m);
    expect(unit).toMatch(/^Wants=nvidia-persistenced.service$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
    // What NVIDIA's packages install (Type=forking daemon), as the unit the limits come after.
    const persistenced = [
      "[Unit]",
      "Description=NVIDIA Persistence Daemon",
      "Wants=syslog.target",
      "",
      "[Service]",
      "Type=forking",
      "ExecStart=/usr/bin/nvidia-persistenced --verbose",
      "ExecStopPost=/bin/rm -rf /var/run/nvidia-persistenced",
      "",
      "[Install]",
      "WantedBy=multi-user.target",
    ].join("\n");
    expect(
      verifyUnits({ "aiws-gpu-power-limits.service": unit, "nvidia-persistenced.service": persistenced }, { binaries: [POWER_PATHS.program, "/usr/bin/nvidia-persistenced"] }),
    ).toBe("");
  });
});

describe("the power-limit program, run against a stand-in nvidia-smi", () => {
  it("sets every GPU by UUID, records the previous limits, and then the check passes", () => {
    const h = host(quad, quadGpus());
    const first = h.run("check");
    expect(first.status).toBe(1);
    expect(first.stdout).toContain("GPU 00000000:41:00.0 (GPU-00000001-aaaa-bbbb-cccc-dddddddddd01): power limit 300.00 W, the profile wants 250 W");
    expect(first.stdout.trim().split("\n")).toHaveLength(1);

    const r = h.run("apply");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(h.limits()).toEqual(["250.00", "250.00", "250.00", "250.00"]);
    // Addressed by UUID only, never by index or bus id; in PCI bus order.
    expect(h.plCalls()).toEqual([
      "GPU-00000001-aaaa-bbbb-cccc-dddddddddd01 250",
      "GPU-00000003-aaaa-bbbb-cccc-dddddddddd03 250",
      "GPU-00000000-aaaa-bbbb-cccc-dddddddddd00 250",
      "GPU-00000002-aaaa-bbbb-cccc-dddddddddd02 250",
    ]);
    expect(readFileSync(h.previous, "utf8").trim().split("\n").sort()).toEqual(quadGpus().map((g) => `${g.uuid} 300.00`));

    const after = h.run("check");
    expect(after.stdout).toBe("");
    expect(after.status).toBe(0);

    // Converged: a second apply changes nothing and keeps the first recorded values.
    expect(h.run("apply").status).toBe(0);
    expect(h.plCalls()).toHaveLength(4);
    expect(readFileSync(h.previous, "utf8")).toContain("300.00");
  });

  it("retries while the driver is not up yet and when a limit resets after being set", () => {
    const h = host(quad, quadGpus());
    writeFileSync(join(h.smi, "fail-next"), "2"); // two calls fail as at boot before the driver loads
    writeFileSync(join(h.smi, "reset-next"), "1"); // the first -pl reports success but does not stick
    const r = h.run("apply");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("nvidia-smi cannot read the GPUs: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
    expect(r.stderr).toContain("(attempt 1 of 5)");
    expect(r.stderr).toContain("(attempt 2 of 5)");
    expect(h.plCalls()).toHaveLength(5); // four, and the one that reset set again
    expect(h.plCalls()[4]).toBe(h.plCalls()[0]);
    expect(h.limits()).toEqual(["250.00", "250.00", "250.00", "250.00"]);
    expect(h.run("check").status).toBe(0);
  });

  it("gives up after the configured attempts and says why", () => {
    const h = host(quad, quadGpus(), { attempts: 2 });
    writeFileSync(join(h.smi, "fail-next"), "5");
    const r = h.run("apply");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("nvidia-smi cannot read the GPUs: NVIDIA-SMI has failed");
    expect(h.plCalls()).toEqual([]);
  });

  it("refuses a limit outside the range the card reports, with the numbers and the fix, without calling -pl", () => {
    // This card says 260-325 W although the catalog (and so the profile rules) allow 250.
    const h = host(quad, quadGpus({ min: "260.00" }));
    const check = h.run("check");
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(
      "GPU 00000000:41:00.0 (GPU-00000001-aaaa-bbbb-cccc-dddddddddd01): the limit 250 W is outside the range the card reports, 260.00-325.00 W; set hardware.gpus.0.powerLimitW between 260.00 and 325.00",
    );
    const r = h.run("apply");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("outside the range the card reports, 260.00-325.00 W");
    expect(h.plCalls()).toEqual([]);
    expect(h.limits()).toEqual(["300.00", "300.00", "300.00", "300.00"]);
  });

  it("passes on nvidia-smi's own refusal (the real out-of-range text) when another limiter narrows the range", () => {
    const h = host(quad, quadGpus(), { attempts: 2 });
    setSmiConf(h.smi, "pl_min_limit=275\npl_max_limit=325"); // the range -pl enforces, narrower than the reported 250-325
    const r = h.run("apply");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "nvidia-smi -i GPU-00000001-aaaa-bbbb-cccc-dddddddddd01 -pl 250 failed: Provided power limit 250.00 W is not a valid power limit which should be between 275.00 W and 325.00 W for GPU 00000000:41:00.0",
    );
  });

  it("the stand-in answers an out-of-range -pl with the reference's verbatim text", () => {
    const h = host(quad, [{ index: 0, uuid: "GPU-1", bus: "00000000:06:00.0", name: "x", limit: "700.00", min: "200.00", max: "700.00" }]);
    const r = runBash(["-c", "nvidia-smi -i GPU-1 -pl 50"], { bin: h.bin });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe(readFileSync(join(repoRoot, "tests/fixtures/nvidia-smi/pl-out-of-range.txt"), "utf8"));
  });

  it("names GPUs the profile does not list and GPUs it lists that are missing", () => {
    const two = quadGpus().slice(0, 2);
    const h = host(quad, [...two, { index: 2, uuid: "GPU-x", bus: "00000000:01:00.0", name: "NVIDIA RTX A400", limit: "50.00", min: "40.00", max: "50.00" }]);
    const r = h.run("check");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`the profile lists 4 x ${MAXQ} (hardware.gpus.0) but the host has 2 of them`);
    expect(r.stdout).toContain("GPU 00000000:01:00.0 (GPU-x, NVIDIA RTX A400) is not in the profile's hardware.gpus");
  });

  it("reads [N/A] ranges as a card that takes no limit", () => {
    const h = host(quad, quadGpus({ min: "[N/A]", max: "[N/A]" }));
    const r = h.run("check");
    expect(r.stdout).toContain("reports no power-limit range (min [N/A], max [N/A]): it does not take a limit");
  });

  it("leaves a card at its default when the profile sets no limit, and puts back one aiws set earlier", () => {
    const gpu: FakeGpu = { index: 0, uuid: "GPU-base", bus: "00000000:41:00.0", name: MAXQ, limit: "300.00", min: "250.00", max: "325.00" };
    const h = host(base, [gpu]);
    expect(h.run("check").status).toBe(0);
    expect(h.run("apply").status).toBe(0);
    expect(h.plCalls()).toEqual([]);

    // An earlier profile had set 250 W (recorded 300 W before): now the profile sets none.
    const h2 = host(base, [{ ...gpu, limit: "250.00" }]);
    runBash(["-c", `mkdir -p "$(dirname "$1")" && echo "GPU-base 300.00" >"$1"`, "x", h2.previous]);
    const check = h2.run("check");
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("the profile sets no limit now, but aiws changed it from 300.00 W earlier; apply puts 300.00 W back");
    expect(h2.run("apply").status).toBe(0);
    expect(h2.limits()).toEqual(["300.00"]);
    expect(readFileSync(h2.previous, "utf8")).toBe("");
    expect(h2.run("check").status).toBe(0);
  });

  it("restore puts every recorded limit back", () => {
    const h = host(quad, quadGpus());
    expect(h.run("apply").status).toBe(0);
    const r = h.run("restore");
    expect(r.status).toBe(0);
    expect(h.limits()).toEqual(["300.00", "300.00", "300.00", "300.00"]);
    expect(readFileSync(h.previous, "utf8")).toBe("");
  });
});

describe("the gpu-power-limits step, run with bash", () => {
  it("check fails, apply installs and enables the unit and sets the limits, check passes, remove undoes it", () => {
    const h = host(quad, quadGpus());
    const sysd = join(h.root, "systemd-state");
    fakeSystemctl(h.bin, sysd);
    const limits = gpuPowerConcern.steps(quad)[1]!;
    const step = withVars(limits, {
      PROGRAM: join(h.root, "usr/local/lib/aiws/gpu-power-limits"),
      CONF_FILE: join(h.root, "etc/aiws/gpu-power-limits.conf"),
      CONF_TEXT: gpuPowerLimitsConf(quad, { previous: h.previous, delayS: 0 }),
      UNIT_FILE: join(h.root, "etc/systemd/system/aiws-gpu-power-limits.service"),
    });
    const before = runPhase(step, "check", { bin: h.bin });
    expect(before.status).toBe(1);
    expect(before.stdout).toMatch(/^the power-limit program .* is missing or changed\n$/);

    const apply = runPhase(step, "apply", { bin: h.bin });
    expect(apply.stderr).toBe("");
    expect(apply.status).toBe(0);
    expect(readFileSync(join(sysd, "systemctl-calls"), "utf8")).toContain("enable --quiet aiws-gpu-power-limits.service");
    expect(readFileSync(step.vars.UNIT_FILE!, "utf8")).toBe(`${gpuPowerLimitsUnit()}\n`);
    expect(h.limits()).toEqual(["250.00", "250.00", "250.00", "250.00"]);

    const after = runPhase(step, "check", { bin: h.bin });
    expect(after).toMatchObject({ status: 0, stdout: "" });

    // Drift made by hand: one card back at 300 W.
    runBash(["-c", "nvidia-smi -i GPU-00000002-aaaa-bbbb-cccc-dddddddddd02 -pl 300 >/dev/null"], { bin: h.bin });
    const drift = runPhase(step, "check", { bin: h.bin });
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain("GPU 00000000:E1:00.0 (GPU-00000002-aaaa-bbbb-cccc-dddddddddd02): power limit 300.00 W, the profile wants 250 W");

    const remove = runPhase(step, "remove", { bin: h.bin });
    expect(remove.status).toBe(0);
    expect(h.limits()).toEqual(["300.00", "300.00", "300.00", "300.00"]);
    for (const f of [step.vars.PROGRAM!, step.vars.CONF_FILE!, step.vars.UNIT_FILE!]) expect(existsSync(f), f).toBe(false);
    expect(existsSync(join(sysd, "enabled/aiws-gpu-power-limits.service"))).toBe(false);
  });

  it("nvidia-persistenced: check reads persistence mode per GPU", () => {
    const h = host(quad, quadGpus({ persistence: "Disabled" }));
    const sysd = join(h.root, "systemd-state");
    fakeSystemctl(h.bin, sysd);
    const step = withVars(gpuPowerConcern.steps(quad)[0]!, {
      DROPIN_FILE: join(h.root, "nvidia-persistenced.service.d/aiws-persistence-mode.conf"),
      STATE_DIR: join(h.root, "state"),
      PERSISTENCED_BIN: "/bin/true",
    });
    expect(runPhase(step, "check", { bin: h.bin }).stdout).toContain("override");
    const apply = runPhase(step, "apply", { bin: h.bin });
    expect(apply.status).toBe(0);
    expect(readFileSync(step.vars.DROPIN_FILE!, "utf8")).toContain("ExecStart=/usr/bin/nvidia-persistenced --persistence-mode --verbose");
    // The fake daemon does not switch the cards: the check names them.
    const check = runPhase(step, "check", { bin: h.bin });
    expect(check.status).toBe(1);
    expect(check.stdout).toBe("persistence mode is not enabled on GPU 00000000:C1:00.0 (Disabled), 00000000:41:00.0 (Disabled), 00000000:E1:00.0 (Disabled), 00000000:61:00.0 (Disabled)\n");
    const remove = runPhase(step, "remove", { bin: h.bin });
    expect(remove.status).toBe(0);
    expect(existsSync(step.vars.DROPIN_FILE!)).toBe(false);
    // aiws enabled it, so remove disables it again.
    expect(existsSync(join(sysd, "enabled/nvidia-persistenced.service"))).toBe(false);
  });
});
