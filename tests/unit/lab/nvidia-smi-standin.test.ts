/**
 * The lab's nvidia-smi stand-in answers in the real formats and keeps per-GPU state the way
 * the driver does: identity survives a reboot, power limits and persistence mode do not.
 * It runs here against a temporary state directory (the env overrides its paths).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parsePowerSection } from "../../helpers/nvidiaSmiPower.js";

const smi = fileURLToPath(new URL("../../../lab/nvidia-smi/nvidia-smi", import.meta.url));
const persistenced = fileURLToPath(new URL("../../../lab/nvidia-smi/nvidia-persistenced", import.meta.url));

let dir: string;
let env: NodeJS.ProcessEnv;

function conf(text: string): void {
  writeFileSync(join(dir, "conf"), text);
}

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { out: string; code: number } {
  const r = spawnSync("python3", [smi, ...args], { env: { ...env, ...extraEnv }, encoding: "utf8" });
  return { out: r.stdout + r.stderr, code: r.status ?? -1 };
}

function query(fields: string, format = "csv,noheader,nounits", extra: string[] = []): string[] {
  const r = run([`--query-gpu=${fields}`, `--format=${format}`, ...extra]);
  expect(r.code).toBe(0);
  return r.out.trimEnd().split("\n");
}

/** A reboot: the driver unloads, so everything under the run directory is gone. */
function reboot(): void {
  rmSync(join(dir, "run"), { recursive: true, force: true });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nvidia-smi-standin-"));
  env = {
    PATH: process.env.PATH,
    NVIDIA_SMI_STANDIN_CONF: join(dir, "conf"),
    NVIDIA_SMI_STANDIN_STATE_DIR: join(dir, "state"),
    NVIDIA_SMI_STANDIN_RUN_DIR: join(dir, "run"),
    NVIDIA_SMI_STANDIN_EUID: "0",
  };
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("queries", () => {
  it("reports one Max-Q card by default, with driver 580.95.05 and the Max-Q power range", () => {
    expect(query("index,name,driver_version,power.min_limit,power.max_limit,power.default_limit,memory.total")).toEqual([
      "0, NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition, 580.95.05, 250.00, 325.00, 300.00, 97887",
    ]);
  });

  it("keeps units in the header and the values unless asked not to", () => {
    conf("count=2\n");
    const withUnits = query("index,power.limit,memory.total,temperature.gpu,persistence_mode", "csv");
    expect(withUnits).toEqual([
      "index, power.limit [W], memory.total [MiB], temperature.gpu, persistence_mode",
      "0, 300.00 W, 97887 MiB, 34, Disabled",
      "1, 300.00 W, 97887 MiB, 34, Disabled",
    ]);
    expect(query("power.limit,memory.total", "csv,nounits")).toEqual([
      "power.limit [W], memory.total [MiB]",
      "300.00, 97887",
      "300.00, 97887",
    ]);
    expect(query("power.limit", "csv,noheader")).toEqual(["300.00 W", "300.00 W"]);
  });

  it("answers every field the steps use", () => {
    const fields =
      "index,uuid,name,pci.bus_id,driver_version,persistence_mode,power.limit,enforced.power.limit," +
      "power.default_limit,power.min_limit,power.max_limit,power.draw,memory.total,memory.used,temperature.gpu";
    const [row] = query(fields);
    const values = row!.split(", ");
    expect(values).toHaveLength(15);
    expect(values[1]).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(values[3]).toBe("00000000:41:00.0");
    expect(values[5]).toBe("Disabled");
    expect(values[6]).toBe("300.00");
    expect(values[7]).toBe("300.00");
  });

  it("refuses an unknown field and a missing format", () => {
    expect(run(["--query-gpu=index,bogus", "--format=csv"])).toEqual({
      out: 'Field "bogus" is not a valid field to query.\n',
      code: 2,
    });
    expect(run(["--query-gpu=index"]).code).toBe(2);
  });

  it("selects GPUs by index, UUID, bus id and comma lists", () => {
    conf("count=4\n");
    const all = query("index,uuid,pci.bus_id");
    expect(all.map((l) => l.split(", ")[2])).toEqual([
      "00000000:41:00.0",
      "00000000:61:00.0",
      "00000000:81:00.0",
      "00000000:A1:00.0",
    ]);
    const uuid2 = all[2]!.split(", ")[1]!;
    expect(query("index", "csv,noheader", ["-i", "1,3"])).toEqual(["1", "3"]);
    expect(query("index", "csv,noheader", ["-i", uuid2])).toEqual(["2"]);
    expect(query("index", "csv,noheader", ["--id=00000000:61:00.0"])).toEqual(["1"]);
    expect(run(["-i", "7", "-L"])).toEqual({ out: "No devices were found\n", code: 6 });
  });

  it("lists GPUs with -L", () => {
    conf("count=2\n");
    const lines = run(["-L"]).out.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^GPU 1: NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition \(UUID: GPU-[0-9a-f-]{36}\)$/,
    );
  });

  it("prints the summary table", () => {
    const out = run([]).out;
    expect(out).toContain("| NVIDIA-SMI 580.95.05              Driver Version: 580.95.05      CUDA Version: 13.0     |");
    expect(out).toContain("|   0  NVIDIA RTX PRO 6000 Bl...      Off |   00000000:41:00.0 Off |");
    expect(out).toContain("23W /  300W");
    for (const line of out.split("\n").slice(1, -1).filter(Boolean)) expect(line).toHaveLength(91);
  });
});

describe("-q -d POWER", () => {
  it("uses the newer GPU Power Readings layout, labels padded to the real column", () => {
    conf("count=2\nenforced_cap=290\n");
    run(["-i", "1", "-pl", "310"]);
    const out = run(["-q", "-d", "POWER", "-i", "1"]).out;
    expect(out).toContain("==============NVSMI LOG==============");
    expect(out).toContain(`${"Driver Version".padEnd(54)} : 580.95.05`);
    expect(out).toContain(`${"Attached GPUs".padEnd(54)} : 1`);
    const block = out.slice(out.indexOf("GPU 00000000:61:00.0"));
    expect(block.split("\n").slice(0, 9)).toEqual([
      "GPU 00000000:61:00.0",
      "    GPU Power Readings",
      "        Average Power Draw                             : 22.51 W",
      "        Instantaneous Power Draw                       : 22.73 W",
      "        Current Power Limit                            : 290.00 W",
      "        Requested Power Limit                          : 310.00 W",
      "        Default Power Limit                            : 300.00 W",
      "        Min Power Limit                                : 250.00 W",
      "        Max Power Limit                                : 325.00 W",
    ]);
    expect(block).toContain("    Power Samples\n        Duration                                       : Not Found");
    // Read as a real driver's report is read (the oracle checked against real output).
    expect(parsePowerSection(out)).toEqual([
      { busId: "00000000:61:00.0", layout: "gpu-power-readings", management: null, drawW: 22.51, instantDrawW: 22.73, limitW: 310, enforcedLimitW: 290, defaultLimitW: 300, minLimitW: 250, maxLimitW: 325 },
    ]);
  });
});

describe("power limits", () => {
  it("sets a limit in range, as the real tool words it, and warns without persistence mode", () => {
    const r = run(["-i", "0", "-pl", "250"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      "Power limit for GPU 00000000:41:00.0 was set to 250.00 W from 300.00 W.",
      "",
      "Warning: persistence mode is disabled on device 00000000:41:00.0. See the Known Issues section of the nvidia-smi(1) man page for more information. Run with [--help | -h] switch to get more information on how to enable persistence mode.",
      "All done.",
      "",
    ]);
    expect(query("power.limit,enforced.power.limit")).toEqual(["250.00, 250.00"]);
  });

  it("refuses a limit out of range with the exact message and exit 2", () => {
    expect(run(["-pl", "50"])).toEqual({
      out:
        "Provided power limit 50.00 W is not a valid power limit which should be between 250.00 W and 325.00 W for GPU 00000000:41:00.0\n" +
        "Terminating early due to previous errors.\n",
      code: 2,
    });
    expect(query("power.limit")).toEqual(["300.00"]);
  });

  it("needs root", () => {
    const r = run(["-pl", "250"], { NVIDIA_SMI_STANDIN_EUID: "1000" });
    expect(r.code).toBe(4);
    expect(r.out).toContain("Insufficient Permissions");
    expect(r.out).toContain("Terminating early due to previous errors.");
  });

  it("applies to every GPU without -i", () => {
    conf("count=3\n");
    run(["-pm", "1"]);
    const r = run(["-pl", "275"]);
    expect(r.out).not.toContain("Warning");
    expect(r.out.trimEnd().split("\n")).toHaveLength(4);
    expect(query("power.limit")).toEqual(["275.00", "275.00", "275.00"]);
  });
});

describe("persistence mode", () => {
  it("turns on per GPU, says so once, and needs root", () => {
    conf("count=2\n");
    expect(run(["-i", "0", "-pm", "1"]).out).toBe("Enabled persistence mode for GPU 00000000:41:00.0.\nAll done.\n");
    expect(run(["-pm", "1"]).out).toBe(
      "Persistence mode is already Enabled for GPU 00000000:41:00.0.\n" +
        "Enabled persistence mode for GPU 00000000:61:00.0.\nAll done.\n",
    );
    expect(query("persistence_mode")).toEqual(["Enabled", "Enabled"]);
    expect(run(["-pm", "0"], { NVIDIA_SMI_STANDIN_EUID: "1000" }).code).toBe(4);
  });
});

describe("a reboot (driver unload)", () => {
  it("resets limits and persistence mode, keeps the GPUs' identity", () => {
    conf("count=2\n");
    const before = query("uuid,pci.bus_id");
    run(["-pm", "1"]);
    run(["-pl", "260"]);
    reboot();
    expect(query("uuid,pci.bus_id")).toEqual(before);
    expect(query("power.limit,persistence_mode")).toEqual(["300.00, Disabled", "300.00, Disabled"]);
  });

  it("keeps existing cards' identity when more are added", () => {
    conf("count=1\n");
    const [first] = query("uuid");
    conf("count=4\n");
    const after = query("uuid");
    expect(after).toHaveLength(4);
    expect(after[0]).toBe(first);
    expect(new Set(after).size).toBe(4);
  });

  it("with unload_when_idle, loses a limit at once unless persistence mode is on", () => {
    conf("unload_when_idle=1\n");
    run(["-pl", "260"]);
    expect(query("power.limit")).toEqual(["300.00"]);
    run(["-pm", "1"]);
    run(["-pl", "260"]);
    expect(query("power.limit")).toEqual(["260.00"]);
  });

  it("with reboot_after_install, fails like a driver whose module is not loaded until a reboot", () => {
    conf("reboot_after_install=1\n");
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    run(["-L"]); // creates the state directory
    writeFileSync(join(dir, "state", "installed-boot-id"), `${bootId}\n`);
    const r = run(["-L"]);
    expect(r.code).toBe(9);
    expect(r.out).toContain("couldn't communicate with the NVIDIA driver");
    writeFileSync(join(dir, "state", "installed-boot-id"), "an earlier boot\n");
    expect(run(["-L"]).code).toBe(0);
  });
});

// What the unit tests of the steps set (tests/unit/host/base-harness.ts); the lab guest has none of it.
describe("per-card overrides and the test hooks", () => {
  it("takes each card's name and range from state.json; a null range is [N/A] and takes no limit", () => {
    conf("count=2\n");
    mkdirSync(join(dir, "state"));
    const gpus = [
      { uuid: "GPU-a", "pci.bus_id": "00000000:06:00.0", name: "NVIDIA H100 80GB HBM3", min_limit: 200, max_limit: 700, default_limit: 700 },
      { uuid: "GPU-b", "pci.bus_id": "00000000:01:00.0", name: "NVIDIA RTX A400", min_limit: null, max_limit: null, default_limit: 50 },
    ];
    writeFileSync(join(dir, "state", "state.json"), JSON.stringify({ gpus }));
    expect(query("uuid,pci.bus_id,name,power.limit,power.min_limit,power.max_limit", "csv")).toEqual([
      "uuid, pci.bus_id, name, power.limit [W], power.min_limit [W], power.max_limit [W]",
      "GPU-a, 00000000:06:00.0, NVIDIA H100 80GB HBM3, 700.00 W, 200.00 W, 700.00 W",
      "GPU-b, 00000000:01:00.0, NVIDIA RTX A400, 50.00 W, [N/A], [N/A]",
    ]);
    expect(run(["-i", "GPU-b", "-pl", "40"])).toEqual({
      out: "Changing power management limit is not supported for GPU: 00000000:01:00.0.\nTreating as warning and moving on.\nAll done.\n",
      code: 0,
    });
    expect(run(["-q", "-d", "POWER", "-i", "1"]).out).toContain(`${"        Min Power Limit".padEnd(54)} : N/A\n`);
  });

  it("fail-next and reset-next count down; pl_min_limit narrows what -pl accepts; log_calls logs the calls", () => {
    conf("log_calls=1\npl_min_limit=275\n");
    mkdirSync(join(dir, "run"));
    writeFileSync(join(dir, "run", "fail-next"), "1\n");
    expect(run(["-L"]).code).toBe(9);
    expect(run(["-L"]).code).toBe(0);
    writeFileSync(join(dir, "run", "reset-next"), "1\n");
    expect(run(["-pl", "280"]).out).toMatch(/^Power limit for GPU 00000000:41:00.0 was set to 280.00 W from 300.00 W.\n/);
    expect(query("power.limit")).toEqual(["300.00"]);
    expect(run(["-i", "0", "-pl", "280"]).code).toBe(0);
    expect(query("power.limit")).toEqual(["280.00"]);
    expect(run(["-pl", "250"]).out).toBe(
      "Provided power limit 250.00 W is not a valid power limit which should be between 275.00 W and 325.00 W for GPU 00000000:41:00.0\n" +
        "Terminating early due to previous errors.\n",
    );
    expect(query("power.min_limit")).toEqual(["250.00"]);
    expect(readFileSync(join(dir, "run", "pl-calls"), "utf8")).toBe("all 280\n0 280\nall 250\n");
    expect(readFileSync(join(dir, "run", "calls"), "utf8").split("\n")[0]).toBe("-L");
  });
});

describe("nvidia-persistenced stand-in", () => {
  it("turns persistence mode on while it runs with --persistence-mode, off when stopped", async () => {
    conf("count=2\n");
    const runDir = join(dir, "persistenced");
    const daemon = spawn("python3", [persistenced, "--user", "nvidia-persistenced", "--persistence-mode", "-f", `--run-dir=${runDir}`], {
      env: { ...env, NVIDIA_PERSISTENCED_STANDIN_SMI: smi },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => daemon.once("exit", resolve));
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (query("persistence_mode").every((v) => v === "Enabled")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(query("persistence_mode")).toEqual(["Enabled", "Enabled"]);
      expect(readFileSync(join(runDir, "nvidia-persistenced.pid"), "utf8").trim()).toBe(String(daemon.pid));
    } finally {
      daemon.kill("SIGTERM");
      await exited;
    }
    expect(query("persistence_mode")).toEqual(["Disabled", "Disabled"]);
  });
});
