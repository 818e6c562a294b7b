import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { hostFacts } from "../../../src/discover/facts.js";
import { draftProfile, TODO } from "../../../src/discover/draft.js";
import { joinSections, probeScript, SECTIONS, splitSections, type Section } from "../../../src/discover/probe.js";
import { checkProfileFile } from "../../../src/budget/check.js";
import { hardwareDifferences, identityDifferences } from "../../../src/discover/compare.js";
import { loadCatalog } from "../../../src/profile/catalog.js";
import { loadProfile } from "../../../src/profile/load.js";
import { shellcheck } from "../../helpers/lint.js";

const ROOT = join(import.meta.dirname, "../../..");
const FIXTURES = join(ROOT, "tests/fixtures/discover");

/** The probe's output on a host, assembled from the recorded output of each tool. */
function probeOutput(host: string): string {
  return joinSections(Object.fromEntries(SECTIONS.map((s) => [s, readFileSync(join(FIXTURES, host, s), "utf8")])) as Record<Section, string>);
}

const facts = (host: string) => hostFacts(splitSections(probeOutput(host)));

/** Writes a draft into a copy of profiles/ (so `extends` resolves) with the TODOs filled in. */
function filledIn(yaml: string, fill: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "aiws-discover-"));
  for (const f of ["base.yaml", "dual-gpu.yaml", "quad-gpu.yaml", "profile.schema.json"]) copyFileSync(join(ROOT, "profiles", f), join(dir, f));
  let text = yaml;
  for (const [k, v] of Object.entries(fill)) text = text.replace(new RegExp(`^(\\s*${k}: )${TODO}\\b.*$`, "m"), `$1${v}`);
  const file = join(dir, "draft.yaml");
  writeFileSync(file, text);
  return file;
}

describe("the discover probe", () => {
  it("is read-only bash, shellcheck-clean, and its sections split back", () => {
    const script = probeScript();
    expect(script).not.toMatch(/\b(rm|mkfs|wipefs|dd|tee|mdadm|parted|sgdisk|nvidia-smi -pl|>\s*\/)/);
    expect(shellcheck(script)).toBe("");
    const parts = splitSections(joinSections({ hostname: "ws", uname: "6.1.0" }));
    expect(parts.hostname).toBe("ws");
    expect(parts.uname).toBe("6.1.0");
    expect(parts.lsblk).toBe("");
  });
});

describe("what discover reads from a host", () => {
  it("ws-quad: four GPUs from nvidia-smi with UUID, PCI address, VRAM and power-limit range; CPU; memory; drives by id", () => {
    const f = facts("ws-quad");
    expect(f.hostname).toBe("ws-quad");
    expect(f.os).toEqual({ id: "ubuntu", versionId: "24.04", pretty: "Ubuntu 24.04.3 LTS" });
    expect(f.kernel).toBe("6.8.0-87-generic");
    expect(f.secureBoot).toBe("disabled");
    expect(f.gpuSource).toBe("nvidia-smi");
    expect(f.gpus).toHaveLength(4);
    expect(f.gpus[0]).toEqual({
      name: "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
      uuid: "GPU-5f0e3c2a-8d1b-4b7e-9a51-0c3f6e2d7a11",
      pciAddress: "0000:41:00.0",
      vramMiB: 97887,
      powerLimitW: { default: 300, min: 250, max: 325 },
      pcieLink: "PCIe 5.0 x16",
    });
    expect(f.cpu).toEqual({ name: "AMD Ryzen Threadripper PRO 9975WX 32-Cores", sockets: 1, coresPerSocket: 32 });
    expect(f.memory.modules).toHaveLength(8);
    expect(f.memory.slots).toBe(8);
    expect(f.memory.modules[0]).toEqual({ locator: "DIMMA1", sizeGB: 32, type: "DDR5", registered: true, speedMTs: 6400 });
    expect(f.memory.totalGB).toBe(251);
    expect(f.drives.map((d) => [d.byId, d.serial, d.sizeGB, d.interface, d.os])).toEqual([
      ["/dev/disk/by-id/nvme-Samsung_SSD_990_PRO_2TB_S7HENJ0X412345K", "S7HENJ0X412345K", 2000, "nvme-gen4", true],
      ["/dev/disk/by-id/nvme-CT2000T700SSD3_2412E8B30011", "2412E8B30011", 2000, "nvme-gen5", false],
      ["/dev/disk/by-id/nvme-CT2000T700SSD3_2412E8B30012", "2412E8B30012", 2000, "nvme-gen5", false],
      ["/dev/disk/by-id/nvme-CT2000T700SSD3_2412E8B30013", "2412E8B30013", 2000, "nvme-gen5", false],
      ["/dev/disk/by-id/nvme-CT2000T700SSD3_2412E8B30014", "2412E8B30014", 2000, "nvme-gen5", false],
    ]);
    expect(f.drives[0]!.holds).toEqual(["vfat on nvme0n1p1 (mounted at /boot/efi)", "ext4 on nvme0n1p2 (mounted at /)"]);
    expect(f.drives[1]!.holds).toEqual([]);
  });

  it("ws-fresh: before the driver, the GPU from lspci (PCI ids, no limits); a drive holding data; no USB stick", () => {
    const f = facts("ws-fresh");
    expect(f.secureBoot).toBe("enabled");
    expect(f.gpuSource).toBe("lspci");
    expect(f.gpus).toEqual([{ pciAddress: "0000:41:00.0", name: "GB202GL [RTX PRO 6000 Blackwell Max-Q Workstation Edition]", pciIds: "[10de:2bb4]" }]);
    expect(f.memory.modules).toHaveLength(6);
    expect(f.drives.map((d) => d.path)).toEqual(["/dev/nvme0n1", "/dev/nvme1n1"]);
    expect(f.drives[1]!.holds).toEqual(['ext4 "photos" on nvme1n1p1']);
  });

  it("lists drives in the kernel's order by name, whatever order lsblk enumerates them in", () => {
    const sections = splitSections(probeOutput("ws-quad"));
    const lsblk = JSON.parse(sections.lsblk) as { blockdevices: unknown[] };
    const reversed = hostFacts({ ...sections, lsblk: JSON.stringify({ blockdevices: [...lsblk.blockdevices].reverse() }) });
    expect(reversed.drives.map((d) => d.path)).toEqual(["/dev/nvme0n1", "/dev/nvme1n1", "/dev/nvme2n1", "/dev/nvme3n1", "/dev/nvme4n1"]);
  });

  it("names what it could not read rather than guessing", () => {
    const parts = splitSections(probeOutput("ws-quad"));
    const f = hostFacts({ ...parts, "dmidecode-memory": "", "nvidia-smi": "index, name\n0, x, y\n" });
    expect(f.gaps.join("\n")).toMatch(/nvidia-smi: .*header names index, name/);
    expect(f.gaps.join("\n")).toMatch(/memory modules: dmidecode gave nothing/);
  });
});

describe("the draft profile", () => {
  it("ws-quad extends quad-gpu: RAID 0 over the four T700s, the OS drive kept apart, TODOs for PSU, circuit and UPS", () => {
    const d = draftProfile(facts("ws-quad"));
    expect(d.parent).toBe("quad-gpu.yaml");
    const p = parse(d.yaml) as Record<string, any>;
    expect(p.extends).toBe("./quad-gpu.yaml");
    // The parent's 250 W limit is carried over (the list replaces the parent's), and the cards pinned by UUID.
    expect(p.hardware.gpus).toEqual([{ model: "rtx-pro-6000-blackwell-max-q", count: 4, powerLimitW: 250, uuids: facts("ws-quad").gpus.map((g) => g.uuid) }]);
    expect(p.hardware.gpus[0].uuids).toHaveLength(4);
    expect(d.todos).toContain('gpus: powerLimitW 250 W is quad-gpu.yaml\'s (its PSU and circuit fit it): once yours are filled in, npm run check says whether it fits; raise it toward the card\'s 325 W only if check still says "fits", or remove the line to leave the card at its default');
    expect(p.hardware.cpu).toEqual({ model: "threadripper-pro-9975wx" });
    expect(p.hardware.memory).toEqual({ modules: 8, moduleGB: 32, kind: "ddr5-rdimm", speedMTs: 6400 });
    expect(p.hardware.drives.map((x: { role: string }) => x.role)).toEqual(["os", "raid", "raid", "raid", "raid"]);
    expect(p.storage.layout).toBe("raid0");
    expect(p.hardware.psu.model).toBe(TODO);
    expect(p.hardware.circuit).toEqual({ volts: TODO, amps: TODO });
    expect(d.yaml).toMatch(/# TODO ups: /);
    expect(d.yaml.split("\n")[0]).toBe("# yaml-language-server: $schema=profile.schema.json");
    expect(d.todos.some((t) => t.startsWith("psu:"))).toBe(true);
  });

  it("is refused by check until the TODOs are filled, and passes once they are", () => {
    const d = draftProfile(facts("ws-quad"));
    const asIs = checkProfileFile(filledIn(d.yaml, {}));
    expect(asIs.status).toBe("invalid");
    expect(asIs.problems.map((x) => x.path)).toEqual(expect.arrayContaining(["hardware.psu.model", "hardware.circuit.volts", "hardware.circuit.amps"]));
    const filled = checkProfileFile(filledIn(d.yaml, { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" }));
    expect(filled.problems).toEqual([]);
    // It fits, as its parent does: the draft keeps the parent's power limit, not the card's default.
    expect(filled.status).toBe("ok");
  });

  it("ws-fresh extends base: independent drives, the one holding data flagged, Secure Boot noted, GPUs to pin later", () => {
    const d = draftProfile(facts("ws-fresh"));
    expect(d.parent).toBe("base.yaml");
    const p = parse(d.yaml) as Record<string, any>;
    expect(p.hardware.gpus).toEqual([{ model: "rtx-pro-6000-blackwell-max-q", count: 1 }]);
    expect(p.storage).toEqual({ layout: "independent", raid: null, mounts: [{ drive: "/dev/disk/by-id/nvme-CT4000T700SSD3_2409E8C40021", mountpoint: "/data" }] });
    expect(d.yaml).toContain('holds: ext4 "photos" on nvme1n1p1');
    expect(d.todos.join("\n")).toMatch(/2409E8C40021.*holds ext4 "photos".*refuse to format it unless its serial is in storage\.wipe/);
    expect(d.yaml).toContain("Secure Boot is on");
    expect(d.todos.join("\n")).toMatch(/gpus: read from lspci/);
    const filled = checkProfileFile(filledIn(d.yaml, { model: "seasonic-prime-tx-1300", volts: "120", amps: "15" }));
    expect(filled.problems).toEqual([]);
  });

  it("a drive that is part of an md array gets its own TODO: what aiws keeps, and how to rebuild it (stop the array, storage.wipe)", () => {
    const f = facts("ws-quad");
    const d = draftProfile({ ...f, drives: f.drives.map((x) => (x.os ? x : { ...x, holds: [`linux_raid_member "ws-quad:data" on ${x.path.slice(5)}`] })) });
    expect(d.todos.filter((t) => t.includes("is part of an md array"))).toHaveLength(4);
    expect(d.todos.join("\n")).toContain(
      'drives: /dev/nvme1n1 (CT2000T700SSD3, serial 2412E8B30011) is part of an md array (linux_raid_member "ws-quad:data" on nvme1n1): aiws keeps an array that is exactly the profile\'s (these members, RAID 0, storage.raid\'s device and chunk: compare with mdadm --detail) and changes nothing on one that is not; to rebuild it, back it up, stop it (mdadm --stop) and name the serial in storage.wipe',
    );
  });

  it("an OS drive without a by-id name (a virtio disk) is noted, not listed: the draft still passes check once filled", () => {
    const f = facts("ws-quad");
    const d = draftProfile({ ...f, drives: f.drives.map((x) => (x.os ? { ...x, byId: undefined, byIds: [], serial: "" } : x)) });
    expect(d.yaml).toMatch(/# the OS drive \/dev\/nvme0n1 \(Samsung SSD 990 PRO 2TB\) has no \/dev\/disk\/by-id name: not listed/);
    expect((parse(d.yaml) as Record<string, any>).hardware.drives.map((x: { role: string }) => x.role)).toEqual(["raid", "raid", "raid", "raid"]);
    expect(d.todos.join("\n")).not.toMatch(/nvme0n1/);
    expect(checkProfileFile(filledIn(d.yaml, { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" })).status).toBe("ok");
  });

  it("a host whose only drive is an OS drive without a by-id name keeps it as a TODO: the profile needs one drive", () => {
    const f = facts("ws-quad");
    const os = f.drives.find((x) => x.os)!;
    const d = draftProfile({ ...f, drives: [{ ...os, byId: undefined, byIds: [] }] });
    expect(d.yaml).not.toContain("not listed (aiws never touches the OS drive)");
    expect(d.todos.join("\n")).toContain("drives: /dev/nvme0n1 (Samsung SSD 990 PRO 2TB) has no /dev/disk/by-id name");
  });

  it("host text cannot add a line to the draft or reach the terminal as a control: newlines and escapes become spaces", () => {
    const sections = splitSections(probeOutput("ws-quad"));
    const lsblk = JSON.parse(sections.lsblk) as { blockdevices: { model?: string; children?: { label?: string }[] }[] };
    lsblk.blockdevices[0]!.model = "990 PRO\n  ups: { watts: 100000 }\n  #\u001b[2J";
    const f = hostFacts({ ...sections, lsblk: JSON.stringify(lsblk), uname: "6.8.0\nextends: /etc/passwd", hostname: "ws\u2028psu: x" });
    expect(f.drives[0]!.model).toBe("990 PRO   ups: { watts: 100000 }   # [2J");
    expect(f.kernel).toBe("6.8.0");
    const d = draftProfile({ ...f, drives: f.drives.map((x) => (x.os ? { ...x, byId: undefined, byIds: [] } : x)) });
    const p = parse(d.yaml) as Record<string, any>;
    expect(p.hardware.ups).toBeUndefined();
    expect(p.extends).toBe("./quad-gpu.yaml");
    expect(d.yaml).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u2028]/);
    // A UUID not in nvidia-smi's form is not pinned.
    const odd = hostFacts({ ...sections, "nvidia-smi": sections["nvidia-smi"].replace(/GPU-[0-9a-f-]+/, "GPU-NOT-A-UUID") });
    expect(odd.gpus[0]!.uuid).toBeUndefined();
    expect((parse(draftProfile(odd).yaml) as Record<string, any>).hardware.gpus[0].uuids).toBeUndefined();
  });

  it("a card whose power-limit range differs from the catalog's gets the card's range", () => {
    const f = facts("ws-quad");
    const g = { ...f, gpus: f.gpus.map((x) => ({ ...x, powerLimitW: { default: 300, min: 200, max: 300 } })) };
    expect(draftProfile(g).yaml).toMatch(/powerLimitRangeW: \{ min: 200, max: 300, default: 300 \}\s+# read from the card \(the catalog says 250-325, default 300\)/);
  });

  it("a GPU the catalog does not list is a TODO, not a guess", () => {
    const f = facts("ws-quad");
    const d = draftProfile({ ...f, gpus: [{ ...f.gpus[0]!, name: "NVIDIA H200 NVL" }] });
    expect(d.yaml).toMatch(/- model: TODO\s+# "NVIDIA H200 NVL" is not in profiles\/catalog\/gpus\.yaml/);
  });
});

describe("npm run discover", () => {
  /** The command, with an `ssh` stand-in that answers the probe with a fixture host's outputs. */
  function cli(host: string, args: string[]) {
    const bin = mkdtempSync(join(tmpdir(), "aiws-ssh-"));
    writeFileSync(join(bin, "probe-output"), probeOutput(host));
    writeFileSync(join(bin, "ssh"), `#!/usr/bin/env bash\ncase " $* " in *" -O exit "*) exit 0 ;; esac\ncat >/dev/null\ncat "${join(bin, "probe-output")}"\n`, { mode: 0o755 });
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/discover.ts"), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it("writes the draft, lists what to fill in, and never overwrites without --force", () => {
    const out = join(mkdtempSync(join(tmpdir(), "aiws-draft-")), "ws-quad.yaml");
    const r = cli("ws-quad", ["--host", "ws-quad.lan", "--user", "aiws", "--out", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("discover: aiws@ws-quad.lan: Ubuntu 24.04.3 LTS, kernel 6.8.0-87-generic, Secure Boot disabled");
    expect(r.out).toMatch(/Wrote .*ws-quad\.yaml \(extends quad-gpu\.yaml\)/);
    expect(r.out).toContain("  - psu: aiws cannot read it");
    const text = readFileSync(out, "utf8");
    expect(text).toMatch(/^extends: .*profiles\/quad-gpu\.yaml$/m);
    const again = cli("ws-quad", ["--host", "ws-quad.lan", "--out", out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/ws-quad\.yaml exists: name another with --out FILE, or overwrite it with --force/);
    const json = cli("ws-quad", ["--host", "ws-quad.lan", "--out", out, "--force", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ command: "discover", status: "drafted", extends: "quad-gpu.yaml", facts: { hostname: "ws-quad" } });
  });

  it("--compare says where a profile does not describe the host, exit 1, writing nothing", () => {
    const r = cli("ws-quad", ["--host", "ws-quad.lan", "--compare", "profiles/quad-gpu.yaml"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("discover: profiles/quad-gpu.yaml does NOT describe root@ws-quad.lan:\n  - memory: the profile has 6 x 32 GB, the host 8 module(s), 256 GB in all\n  - drive S7HENJ0X100001A (os,");
  });
});

describe("does a profile describe this host?", () => {
  const catalog = loadCatalog().catalog!;
  /** The draft for a fixture host, filled in and loaded: a profile that describes it exactly. */
  const described = (host: string, fill: Record<string, string>) => loadProfile(filledIn(draftProfile(facts(host)).yaml, fill)).profile;

  it("a profile drafted from the host matches it", () => {
    expect(hardwareDifferences(described("ws-quad", { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" }), facts("ws-quad"), catalog)).toEqual([]);
  });

  it("a shipped example profile does not: its drives are someone else's, and each is named", () => {
    const d = hardwareDifferences(loadProfile(join(ROOT, "profiles/quad-gpu.yaml")).profile, facts("ws-quad"), catalog);
    expect(d).toContain("drive S7HENJ0X100001A (os, /dev/disk/by-id/nvme-Samsung_SSD_990_PRO_2TB_S7HENJ0X100001A): not on the host (its drives: S7HENJ0X412345K, 2412E8B30011, 2412E8B30012, 2412E8B30013, 2412E8B30014)");
    expect(d.filter((l) => l.startsWith("drive "))).toHaveLength(5);
    expect(d.some((l) => l.startsWith("GPUs"))).toBe(false);
  });

  it("three cards where the profile says four, and a card the catalog does not know", () => {
    const p = described("ws-quad", { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" });
    const f = facts("ws-quad");
    expect(hardwareDifferences(p, { ...f, gpus: f.gpus.slice(0, 3) }, catalog)).toEqual([
      "GPUs: the profile has 4, the host has 3 (0000:41:00.0, 0000:61:00.0, 0000:c1:00.0)",
      `GPU ${f.gpus[3]!.uuid} (rtx-pro-6000-blackwell-max-q): not on the host (its GPUs: ${f.gpus.slice(0, 3).map((g) => g.uuid).join(", ")}); a card was swapped or is missing: discover again, or fix hardware.gpus.uuids`,
    ]);
    const other = { ...f, gpus: [...f.gpus.slice(0, 3), { ...f.gpus[3]!, name: "NVIDIA RTX PRO 6000 Blackwell Workstation Edition" }] };
    expect(hardwareDifferences(p, other, catalog)).toEqual(["GPUs: the profile has 4 x rtx-pro-6000-blackwell-max-q, the host 3", "GPUs: the profile has 0 x rtx-pro-6000-blackwell-workstation, the host 1"]);
  });

  it("a card swapped for another of the same model: the pinned UUID is missed; before the driver (lspci) UUIDs cannot be told", () => {
    const p = described("ws-quad", { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" });
    const f = facts("ws-quad");
    const swapped = { ...f, gpus: f.gpus.map((g, i) => (i === 2 ? { ...g, uuid: "GPU-00000000-1111-2222-3333-444444444444" } : g)) };
    expect(identityDifferences(p, swapped, catalog)).toEqual([
      `GPU ${f.gpus[2]!.uuid} (rtx-pro-6000-blackwell-max-q): not on the host (its GPUs: ${swapped.gpus.map((g) => g.uuid).join(", ")}); a card was swapped or is missing: discover again, or fix hardware.gpus.uuids`,
    ]);
    // The same host before its driver runs: lspci shows four cards and no UUID, which is not a difference.
    const beforeDriver = { ...f, gpuSource: "lspci" as const, gpus: f.gpus.map(({ uuid: _uuid, ...g }) => g) };
    expect(identityDifferences(p, beforeDriver, catalog)).toEqual([]);
  });

  it("the schema: one UUID per card, none listed twice", () => {
    const file = filledIn(draftProfile(facts("ws-quad")).yaml, { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" });
    const text = readFileSync(file, "utf8");
    const uuids = facts("ws-quad").gpus.map((g) => g.uuid!);
    writeFileSync(file, text.replace(/uuids: \[.*\]/, `uuids: [${uuids.slice(0, 3).join(", ")}]`));
    expect(checkProfileFile(file).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "hardware.gpus.0.uuids: 3 UUID(s) for count 4: pin one per card (nvidia-smi --query-gpu=uuid --format=csv), or drop uuids",
    ]);
    writeFileSync(file, text.replace(/uuids: \[.*\]/, `uuids: [${[...uuids.slice(0, 3), uuids[0]].join(", ")}]`));
    expect(checkProfileFile(file).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([`hardware.gpus.0.uuids.3: ${uuids[0]} is listed twice (also hardware.gpus.0): each card has its own UUID`]);
    writeFileSync(file, text.replace(/uuids: \[.*\]/, "uuids: [GPU-1234, GPU-5678, GPU-9abc, GPU-def0]"));
    expect(checkProfileFile(file).problems[0]?.message).toMatch(/a GPU UUID as nvidia-smi prints it/);
  });

  it("memory, CPU and a drive named by an id the host lacks", () => {
    const p = described("ws-quad", { model: "seasonic-prime-tx-1600", volts: "120", amps: "20" });
    const f = facts("ws-quad");
    const d = hardwareDifferences(p, { ...f, cpu: { ...f.cpu, name: "AMD Ryzen Threadripper PRO 7975WX 32-Cores" }, memory: { ...f.memory, modules: f.memory.modules.slice(0, 4) }, drives: f.drives.map((x, i) => (i === 1 ? { ...x, byIds: ["/dev/disk/by-id/nvme-eui.1"] } : x)) }, catalog);
    expect(d).toEqual([
      "CPU: the profile has threadripper-pro-9975wx, the host threadripper-pro-7975wx",
      "memory: the profile has 8 x 32 GB, the host 4 module(s), 128 GB in all",
      "drive 2412E8B30011: the profile names it /dev/disk/by-id/nvme-CT2000T700SSD3_2412E8B30011, which the host does not have (it has /dev/disk/by-id/nvme-eui.1)",
    ]);
  });
});
