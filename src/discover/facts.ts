import { parseQueryGpuCsv, type SmiValue } from "../nvidia-smi/parse.js";
import { GPU_FIELDS, LINK_FIELDS, type Section } from "./probe.js";
import { GPU_UUID } from "../profile/schema/hardware.js";

/** One GPU as nvidia-smi (or, before the driver, lspci) describes it. */
interface FoundGpu {
  readonly name: string;
  readonly uuid?: string;
  /** PCI address, `0000:41:00.0`. */
  readonly pciAddress: string;
  readonly vramMiB?: number;
  /** The card's own power-limit range, from the driver. */
  readonly powerLimitW?: { readonly default: number; readonly min: number; readonly max: number };
  readonly pcieLink?: string;
  /** `[10de:2bb4]` when only lspci saw the card. */
  readonly pciIds?: string;
}

export interface FoundDrive {
  /** The /dev/disk/by-id name a profile should use (the vendor form, nvme-MODEL_SERIAL). */
  readonly byId?: string;
  /** Every /dev/disk/by-id name of the drive. */
  readonly byIds: readonly string[];
  readonly path: string;
  readonly model: string;
  readonly serial: string;
  readonly sizeGB: number;
  readonly interface?: "nvme-gen3" | "nvme-gen4" | "nvme-gen5" | "sata";
  /** What is on it now: filesystems, partitions, mountpoints, in words. */
  readonly holds: readonly string[];
  /** It carries / (or /boot): the OS drive. */
  readonly os: boolean;
}

interface FoundMemory {
  readonly totalGB?: number;
  readonly modules: readonly { locator: string; sizeGB: number; type: string; registered: boolean; speedMTs?: number }[];
  readonly slots: number;
}

/** Everything discover learns from one host. */
export interface HostFacts {
  readonly hostname: string;
  readonly os: { readonly id: string; readonly versionId: string; readonly pretty: string };
  readonly kernel: string;
  readonly secureBoot: "enabled" | "disabled" | "unsupported" | "unknown";
  readonly cpu: { readonly name: string; readonly sockets: number; readonly coresPerSocket?: number };
  readonly memory: FoundMemory;
  /** From nvidia-smi when the driver runs, else from lspci (no UUID, no power limits). */
  readonly gpus: readonly FoundGpu[];
  readonly gpuSource: "nvidia-smi" | "lspci" | "none";
  readonly drives: readonly FoundDrive[];
  /** What could not be read, in words, for the draft's comments. */
  readonly gaps: readonly string[];
}

/**
 * Reads every section; a section that cannot be parsed becomes a gap, never a guess. Every
 * string the host told is made one line of printable text (control characters, line and
 * paragraph separators become spaces; at most 256 characters): the draft writes them into YAML
 * comments and discover prints them, so a model name or a filesystem label with a newline or a
 * terminal escape in it can neither add a line to the profile nor reach the terminal as a control.
 */
export function hostFacts(s: Record<Section, string>): HostFacts {
  return printable(readFacts(s));
}

/** `value` with every string in it made printable (see hostFacts). */
function printable<T>(value: T): T {
  if (typeof value === "string") return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").slice(0, 256) as T;
  if (Array.isArray(value)) return value.map(printable) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printable(v)])) as T;
  return value;
}

function readFacts(s: Record<Section, string>): HostFacts {
  const gaps: string[] = [];
  const osr = keyValues(s["os-release"]);
  const smi = nvidiaGpus(s["nvidia-smi"], s["nvidia-smi-link"], gaps);
  const gpus = smi.length > 0 ? smi : lspciGpus(s.lspci);
  const memory = dmiMemory(s["dmidecode-memory"], s.meminfo);
  if (memory.modules.length === 0) gaps.push("memory modules: dmidecode gave nothing (not installed, or no SMBIOS table); the draft keeps the parent's memory");
  const sb = /SecureBoot enabled/i.test(s.mokutil) ? "enabled" : /SecureBoot disabled/i.test(s.mokutil) ? "disabled" : /doesn't support Secure Boot|EFI variables are not supported/i.test(s.mokutil) ? "unsupported" : "unknown";
  return {
    hostname: s.hostname.split("\n")[0]?.trim() || "workstation",
    os: { id: osr.ID ?? "unknown", versionId: osr.VERSION_ID ?? "", pretty: osr.PRETTY_NAME ?? "unknown" },
    kernel: s.uname.split("\n")[0]?.trim() ?? "",
    secureBoot: sb,
    cpu: cpuInfo(s.cpuinfo),
    memory,
    gpus,
    gpuSource: smi.length > 0 ? "nvidia-smi" : gpus.length > 0 ? "lspci" : "none",
    drives: drives(s.lsblk, s["by-id"], s["nvme-link"], gaps),
    gaps,
  };
}

function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(l.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return out;
}

function num(v: SmiValue | undefined): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function nvidiaGpus(csv: string, linkCsv: string, gaps: string[]): FoundGpu[] {
  if (!/^\s*index\b/m.test(csv) && !/^\s*\d+,/m.test(csv)) {
    if (csv.trim()) gaps.push(`nvidia-smi: ${csv.trim().split("\n")[0]}`);
    return [];
  }
  const links = new Map<number, { gen?: number; width?: number }>();
  try {
    for (const r of parseQueryGpuCsv(linkCsv, LINK_FIELDS)) links.set(Number(r.index), { gen: num(r["pcie.link.gen.max"]), width: num(r["pcie.link.width.max"]) });
  } catch {
    // The link is a detail: a driver without these fields still gives everything else.
  }
  try {
    return parseQueryGpuCsv(csv, GPU_FIELDS).map((r) => {
      const [d, mn, mx] = [num(r["power.default_limit"]), num(r["power.min_limit"]), num(r["power.max_limit"])];
      const gen = links.get(Number(r.index))?.gen;
      const width = links.get(Number(r.index))?.width;
      return {
        name: String(r.name ?? "unknown NVIDIA GPU"),
        // Only a UUID in nvidia-smi's form: the draft pins it unquoted, and the schema takes no other.
        ...(GPU_UUID.test(String(r.uuid ?? "")) ? { uuid: String(r.uuid) } : {}),
        pciAddress: String(r["pci.bus_id"] ?? "").replace(/^0{4}(?=[0-9a-f]{4}:)/i, "").toLowerCase(),
        ...(num(r["memory.total"]) !== undefined ? { vramMiB: num(r["memory.total"]) } : {}),
        ...(d !== undefined && mn !== undefined && mx !== undefined ? { powerLimitW: { default: d, min: mn, max: mx } } : {}),
        ...(gen !== undefined && width !== undefined ? { pcieLink: `PCIe ${gen}.0 x${width}` } : {}),
      };
    });
  } catch (e) {
    gaps.push(`nvidia-smi: ${(e as Error).message}`);
    return [];
  }
}

/** `0000:41:00.0 VGA compatible controller [0300]: NVIDIA Corporation GB202GL [RTX PRO 6000 Blackwell ...] [10de:2bb4] (rev a1)` */
function lspciGpus(text: string): FoundGpu[] {
  return text
    .split("\n")
    .map((l) => /^(\S+) [^:]*\[(?:0300|0302)\]: (.*?) (\[10de:[0-9a-f]{4}\])/i.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pciAddress: m[1]!.toLowerCase(), name: m[2]!.replace(/^NVIDIA Corporation /, ""), pciIds: m[3]! }));
}

function cpuInfo(text: string): HostFacts["cpu"] {
  const names = new Set<string>();
  const sockets = new Set<string>();
  let cores: number | undefined;
  for (const l of text.split("\n")) {
    const [k, v] = l.split(":").map((x) => x.trim());
    if (k === "model name" && v) names.add(v);
    if (k === "physical id" && v) sockets.add(v);
    if (k === "cpu cores" && v) cores = Number(v);
  }
  return { name: [...names][0] ?? "unknown CPU", sockets: Math.max(1, sockets.size), ...(cores ? { coresPerSocket: cores } : {}) };
}

/** `dmidecode -t memory`: one "Memory Device" block per slot, `Size: No Module Installed` when empty. */
function dmiMemory(text: string, meminfo: string): FoundMemory {
  const kib = /MemTotal:\s+(\d+)\s+kB/.exec(meminfo);
  const blocks = text.split(/\n(?=Handle )/).filter((b) => /\n\s*Memory Device\s*\n/.test(`\n${b}`) || /^Memory Device$/m.test(b));
  const modules: FoundMemory["modules"][number][] = [];
  for (const b of blocks) {
    const f = (k: string) => new RegExp(`^\\s*${k}:\\s*(.+)$`, "m").exec(b)?.[1]?.trim();
    const size = f("Size");
    const m = size ? /^(\d+)\s*(GB|MB|TB)$/i.exec(size) : null;
    if (!m) continue;
    const sizeGB = Number(m[1]) * ({ GB: 1, MB: 1 / 1024, TB: 1024 } as Record<string, number>)[m[2]!.toUpperCase()]!;
    const speed = /(\d+)\s*MT\/s/.exec(f("Configured Memory Speed") ?? f("Speed") ?? "");
    modules.push({ locator: f("Locator") ?? "?", sizeGB, type: f("Type") ?? "?", registered: /Registered/i.test(f("Type Detail") ?? ""), ...(speed ? { speedMTs: Number(speed[1]) } : {}) });
  }
  return { ...(kib ? { totalGB: Math.round(Number(kib[1]) / 1024 / 1024) } : {}), modules, slots: blocks.length };
}

interface LsblkDev {
  name: string;
  path: string;
  type: string;
  size: number | string;
  model?: string | null;
  serial?: string | null;
  tran?: string | null;
  rm?: boolean | string | null;
  fstype?: string | null;
  label?: string | null;
  mountpoints?: (string | null)[];
  children?: LsblkDev[];
}

function drives(lsblkJson: string, byIdText: string, linkText: string, gaps: string[]): FoundDrive[] {
  let devs: LsblkDev[];
  try {
    devs = (JSON.parse(lsblkJson) as { blockdevices: LsblkDev[] }).blockdevices;
  } catch {
    gaps.push("drives: lsblk -J gave no JSON");
    return [];
  }
  // by-id names for each kernel device; the vendor form (nvme-MODEL_SERIAL, ata-...) first.
  const byId = new Map<string, string[]>();
  for (const l of byIdText.split("\n")) {
    const [link, target] = l.trim().split(/\s+/);
    if (!link || !target || /-part\d+$/.test(link)) continue;
    byId.set(target, [...(byId.get(target) ?? []), link]);
  }
  const rank = (l: string) => (/\/(nvme-eui|nvme-nvme|wwn-|nvme-uuid)/.test(l) ? 1 : 0);
  const links = new Map<string, number>();
  for (const l of linkText.split("\n")) {
    const m = /^(nvme\d+)\s+(\d+(?:\.\d+)?)\s*GT\/s/.exec(l.trim());
    if (m) links.set(m[1]!, Number(m[2]));
  }
  return devs
    .filter((d) => d.type === "disk" && !/^(loop|zram|ram|sr|md)/.test(d.name) && d.rm !== true && d.rm !== "1" && d.tran !== "usb")
    .map((d) => {
      const all = [d, ...flatten(d.children ?? [])];
      const mounts = all.flatMap((x) => (x.mountpoints ?? []).filter((m): m is string => !!m));
      const holds = all.flatMap((x) => (x.fstype ? [`${x.fstype}${x.label ? ` "${x.label}"` : ""} on ${x.name}${(x.mountpoints ?? []).filter(Boolean).length ? ` (mounted at ${(x.mountpoints ?? []).filter(Boolean).join(", ")})` : ""}`] : []));
      if ((d.children ?? []).length > 0 && holds.length === 0) holds.push(`${(d.children ?? []).length} partition(s)`);
      const gts = links.get(/^(nvme\d+)/.exec(d.name)?.[1] ?? "");
      const iface = d.tran === "sata" ? "sata" : d.tran === "nvme" || d.name.startsWith("nvme") ? (gts === undefined ? undefined : gts >= 32 ? "nvme-gen5" : gts >= 16 ? "nvme-gen4" : "nvme-gen3") : undefined;
      const ids = (byId.get(d.path) ?? []).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      return {
        ...(ids[0] ? { byId: ids[0] } : {}),
        byIds: ids,
        path: d.path,
        model: (d.model ?? "").trim() || "unknown model",
        serial: (d.serial ?? "").trim(),
        sizeGB: Math.round(Number(d.size) / 1e9),
        ...(iface ? { interface: iface } : {}),
        holds,
        os: mounts.some((m) => m === "/" || m === "/boot" || m === "/boot/efi"),
      } satisfies FoundDrive;
    })
    // In the kernel's order by name (nvme0n1, nvme1n1, ..., nvme10n1), not lsblk's enumeration.
    .sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
}

function flatten(ds: LsblkDev[]): LsblkDev[] {
  return ds.flatMap((d) => [d, ...flatten(d.children ?? [])]);
}
