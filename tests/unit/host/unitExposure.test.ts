import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inferenceSchema } from "../../../src/profile/schema/inference.js";
import { serviceUnit, unitName } from "../../../src/host/inference/units.js";
import { cpuGovernorUnit } from "../../../src/host/base/index.js";
import { backupUnits } from "../../../src/host/backup/units.js";
import { gpuPowerLimitsUnit } from "../../../src/host/power/index.js";
import { backupSchema } from "../../../src/profile/schema/backup.js";

/**
 * systemd's own measure of how exposed a service is (`systemd-analyze security`, 0 best, 10
 * worst), for the long-running and boot services aiws writes: each must be 5 or lower.
 * Skipped, saying so, where systemd-analyze is missing (CI installs systemd).
 */
const hasAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const MAX_EXPOSURE = 5;

const inference = inferenceSchema.parse({
  services: [
    { name: "chat", runtime: "vllm", model: "m", source: "org/m", quantization: "fp8", contextLength: 4096, gpus: [0, 1], port: 8000, host: "0.0.0.0" },
    { name: "local", runtime: "ollama", model: "m", source: "m:q4", quantization: "q4_k_m", contextLength: 4096, gpus: [0], port: 11434 },
    { name: "gguf", runtime: "llama.cpp", model: "m", source: "/data/m.gguf", quantization: "q4_k_m", contextLength: 4096, gpus: [1], port: 8080 },
    { name: "cpu", runtime: "llama.cpp", model: "m", source: "/data/m.gguf", quantization: "q4_k_m", contextLength: 4096, gpus: [], port: 8081 },
  ],
});

const UNITS: Record<string, string> = {
  ...Object.fromEntries(inference.services.map((s) => [unitName(s), serviceUnit(s, inference, true, "13.0")])),
  "aiws-cpu-governor.service": cpuGovernorUnit(),
  "aiws-gpu-power-limits.service": gpuPowerLimitsUnit(),
  // Timers run nothing themselves; the services they start are measured.
  ...Object.fromEntries(
    Object.entries(backupUnits(backupSchema.parse({ nas: { host: "nas.lan", user: "aiws", path: "/volume1/backup" }, paths: ["/data", "/home"] }))).filter(([n]) => n.endsWith(".service")),
  ),
};

function exposure(name: string, text: string): number {
  const dir = mkdtempSync(join(tmpdir(), "aiws-exposure-"));
  // A template is measured as an instance of it.
  const file = join(dir, name.replace("@.", "@instance."));
  writeFileSync(file, text);
  const r = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", file], { encoding: "utf8" });
  const m = /Overall exposure level for \S+: (\d+(\.\d+)?)/.exec(r.stdout);
  if (!m) throw new Error(`systemd-analyze gave no score for ${name}: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

describe.skipIf(!hasAnalyze)(`every service aiws writes has a systemd exposure of ${MAX_EXPOSURE} or lower`, () => {
  for (const [name, text] of Object.entries(UNITS)) {
    it(name, () => {
      expect(exposure(name, text)).toBeLessThanOrEqual(MAX_EXPOSURE);
    });
  }

  it("GPU services see only the NVIDIA devices; a CPU-only one sees none", () => {
    expect(UNITS["aiws-vllm-chat.service"]).toContain("DevicePolicy=closed\nDeviceAllow=char-nvidia* rw");
    expect(UNITS["aiws-llamacpp-cpu.service"]).toContain("PrivateDevices=yes");
    expect(UNITS["aiws-llamacpp-cpu.service"]).not.toContain("DeviceAllow");
  });

  it("the backup reads everything but writes only its state, cache, lock and the NAS host key, with one capability", () => {
    const backup = UNITS["aiws-backup.service"]!;
    expect(backup).toContain("CapabilityBoundingSet=CAP_DAC_READ_SEARCH\n");
    expect(backup).toContain("ProtectSystem=strict\nReadWritePaths=-/etc/aiws/restic /run/lock\nProtectHome=read-only");
    expect(backup).toContain("StateDirectory=aiws\nCacheDirectory=aiws/restic");
    expect(UNITS["aiws-backup-failure@.service"]).toContain("PrivateNetwork=yes");
  });

  it("the boot unit that sets power limits holds only CAP_SYS_ADMIN and the NVIDIA devices, with no network", () => {
    const limits = UNITS["aiws-gpu-power-limits.service"]!;
    expect(limits).toContain("CapabilityBoundingSet=CAP_SYS_ADMIN\n");
    expect(limits).toContain("DeviceAllow=char-nvidia* rw");
    expect(limits).toContain("PrivateNetwork=yes");
  });

  it("a service writes only its models and its user's home", () => {
    expect(UNITS["aiws-ollama-local.service"]).toContain("ProtectSystem=strict\nReadWritePaths=/data/models -/var/lib/ollama");
    expect(UNITS["aiws-vllm-chat.service"]).toContain("ReadWritePaths=/data/models -/var/lib/aiws-llm");
  });
});

describe.skipIf(hasAnalyze)("systemd exposure", () => {
  it("is not measured here: systemd-analyze is missing (apt-get install systemd)", () => {
    expect(hasAnalyze).toBe(false);
  });
});
