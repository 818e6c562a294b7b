import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseQueryGpuCsv, smiValue } from "../../../src/nvidia-smi/parse.js";
import { parsePowerSection } from "../../helpers/nvidiaSmiPower.js";
import { repoRoot } from "./base-harness.js";

const fixture = (name: string) => readFileSync(join(repoRoot, "tests/fixtures/nvidia-smi", name), "utf8");

describe("parseQueryGpuCsv", () => {
  it("reads a header with units and an [Unknown Error] value (reference D.4)", () => {
    const fields = [
      "name",
      "utilization.gpu",
      "utilization.memory",
      "temperature.gpu",
      "power.draw",
      "power.limit",
      "fan.speed",
      "clocks.current.graphics",
      "clocks.current.memory",
      "power.default_limit",
    ] as const;
    const rows = parseQueryGpuCsv(fixture("query-units-header-unknown-error.csv"), fields);
    expect(rows).toEqual([
      {
        name: "GeForce RTX 2080 Ti",
        "utilization.gpu": 100,
        "utilization.memory": 37,
        "temperature.gpu": 56,
        "power.draw": 228.82,
        "power.limit": 210,
        "fan.speed": 56,
        "clocks.current.graphics": 1560,
        "clocks.current.memory": 6800,
        "power.default_limit": null,
      },
    ]);
  });

  it("reads noheader,nounits and csv with units in the values; [N/A] and [Not Supported] are null", () => {
    const fields = ["index", "uuid", "pci.bus_id", "power.limit", "power.min_limit", "power.max_limit"] as const;
    const nounits = "0, GPU-aaaa, 00000000:41:00.0, 250.00, 250.00, 325.00\n1, GPU-bbbb, 00000000:61:00.0, [N/A], [Not Supported], [N/A]\n";
    expect(parseQueryGpuCsv(nounits, fields)).toEqual([
      { index: 0, uuid: "GPU-aaaa", "pci.bus_id": "00000000:41:00.0", "power.limit": 250, "power.min_limit": 250, "power.max_limit": 325 },
      { index: 1, uuid: "GPU-bbbb", "pci.bus_id": "00000000:61:00.0", "power.limit": null, "power.min_limit": null, "power.max_limit": null },
    ]);
    const withUnits = "index, uuid, pci.bus_id, power.limit [W], power.min_limit [W], power.max_limit [W]\r\n0, GPU-aaaa, 00000000:41:00.0, 250.00 W, 250.00 W, 325.00 W\r\n";
    expect(parseQueryGpuCsv(withUnits, fields)[0]!["power.max_limit"]).toBe(325);
  });

  it("keeps versions and names as text", () => {
    expect(parseQueryGpuCsv("580.95.05, Enabled\n", ["driver_version", "persistence_mode"] as const)).toEqual([
      { driver_version: "580.95.05", persistence_mode: "Enabled" },
    ]);
    expect(smiValue("[Unknown Error]")).toBeNull();
    expect(smiValue(" 97887 MiB ")).toBe(97887);
  });

  it("reads a derived CSV with its own header (reference D.5)", () => {
    const fields = ["power_limit_w", "timestamp", "gpu_index", "pstate", "clk_graphics_mhz", "clk_sm_mhz", "clk_mem_mhz", "power_draw_w", "temp_c"] as const;
    const [row] = parseQueryGpuCsv(fixture("pl-sweep-derived.csv"), fields);
    expect(row).toMatchObject({ power_limit_w: 150, gpu_index: 3, pstate: "P1", power_draw_w: 149.98 });
  });

  it("names the line when a row or the header does not fit the fields", () => {
    expect(() => parseQueryGpuCsv("0, GPU-a\n", ["index", "uuid", "power.limit"])).toThrow(/line 1: 2 values, expected 3 \(index, uuid, power.limit\)/);
    expect(() => parseQueryGpuCsv("index, name\n0, x\n", ["index", "uuid"])).toThrow(/line 1: the header names index, name; expected index, uuid/);
  });
});

describe("parsePowerSection", () => {
  it("reads the new GPU Power Readings layout: Requested is power.limit, Current the enforced one (reference D.1)", () => {
    expect(parsePowerSection(fixture("q-power-595.71.05.txt"))).toEqual([
      {
        busId: null,
        layout: "gpu-power-readings",
        management: null,
        drawW: 78.83,
        instantDrawW: 78.75,
        limitW: 700,
        enforcedLimitW: 500,
        defaultLimitW: 700,
        minLimitW: 200,
        maxLimitW: 700,
      },
    ]);
  });

  it("reads the old Power Readings layout (reference D.3)", () => {
    expect(parsePowerSection(fixture("q-power-old-layout.txt"))).toEqual([
      {
        busId: null,
        layout: "power-readings",
        management: "Supported",
        drawW: 65.79,
        instantDrawW: null,
        limitW: 250,
        enforcedLimitW: 250,
        defaultLimitW: 250,
        minLimitW: 125,
        maxLimitW: 300,
      },
    ]);
  });

  it("reads a fragment without its header and skips the Power Samples section's Not Found (reference D.2)", () => {
    const [r] = parsePowerSection(fixture("q-power-590.48.01-fragment.txt"));
    expect(r).toMatchObject({ layout: "unlabelled", maxLimitW: 95, minLimitW: null, limitW: null });
  });

  it("reads a whole -q report, one entry per GPU, ignoring the memory and module sections", () => {
    const section = fixture("q-power-595.71.05.txt");
    const report = [
      "",
      "==============NVSMI LOG==============",
      "",
      "Timestamp                                          : Fri Nov 27 09:00:00 2026",
      "Driver Version                                     : 595.71.05",
      "Attached GPUs                                      : 2",
      "GPU 00000000:41:00.0",
      section.trimEnd(),
      "    GPU Memory Power Readings ",
      "        Average Power Draw                             : N/A",
      "    Module Power Readings",
      "        Current Power Limit                            : N/A",
      "GPU 00000000:61:00.0",
      section.replace("500.00 W", "250.00 W").trimEnd(),
      "    Power Samples",
      "        Duration                                       : Not Found",
      "",
    ].join("\n");
    const rs = parsePowerSection(report);
    expect(rs.map((r) => [r.busId, r.enforcedLimitW, r.limitW])).toEqual([
      ["00000000:41:00.0", 500, 700],
      ["00000000:61:00.0", 250, 700],
    ]);
  });
});
