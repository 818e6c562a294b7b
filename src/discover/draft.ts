import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { checkProfileFile } from "../budget/check.js";
import { catalogModels, loadCatalog, type Catalog, type CatalogName } from "../profile/catalog.js";
import type { Profile } from "../profile/schema/profile.js";
import type { FoundDrive, HostFacts } from "./facts.js";

const PROFILES_DIR = fileURLToPath(new URL("../../profiles/", import.meta.url));

/** The marker of everything the owner must fill in before `check` passes. */
export const TODO = "TODO";

interface Draft {
  /** The profile file's text. */
  readonly yaml: string;
  /** The shipped profile it extends (`./quad-gpu.yaml`). */
  readonly parent: string;
  /** What the owner must fill in or decide, one line each. */
  readonly todos: readonly string[];
}

/** A shipped profile the draft may extend: it fits and serves no model. */
interface Candidate {
  readonly file: string;
  readonly profile: Profile;
}

/** The catalog key whose name is contained, word for word, in what the host reports (the most specific wins). */
export function matchCatalog(catalog: Catalog, kind: CatalogName, found: string): string | undefined {
  const words = (s: string) => new Set(s.toLowerCase().replace(/-/g, "").split(/[^a-z0-9]+/).filter((w) => w && !["nvidia", "amd", "ryzen", "workstation", "edition", "corporation"].includes(w)));
  const have = words(found);
  let best: [string, number] | undefined;
  for (const key of catalogModels(catalog, kind)) {
    const want = words(String(catalog.entries[kind].get(key)!.name));
    if (want.size === 0 || ![...want].every((w) => have.has(w))) continue;
    if (!best || want.size > best[1]) best = [key, want.size];
  }
  return best?.[0];
}

function candidates(dir: string): Candidate[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => {
      const r = checkProfileFile(join(dir, f));
      return r.status === "ok" && r.profile && r.profile.inference.services.length === 0 ? [{ file: f, profile: r.profile }] : [];
    });
}

/** The shipped profile closest to the host: the same GPU count, then the same CPU, then the simplest. */
function closestProfile(facts: HostFacts, cpuKey: string | undefined, dir: string = PROFILES_DIR): Candidate {
  const gpuCount = facts.gpus.length;
  const score = (c: Candidate) => Math.abs(c.profile.hardware.gpus.reduce((n, g) => n + g.count, 0) - gpuCount) * 10 + (c.profile.hardware.cpu.model === cpuKey ? 0 : 1);
  const all = candidates(dir);
  if (all.length === 0) throw new Error(`no shipped profile in ${dir} fits its budgets to extend`);
  return all.reduce((a, b) => (score(b) < score(a) ? b : a));
}

const q = (s: string) => JSON.stringify(s);

/**
 * The draft profile for a discovered host: it extends the closest shipped profile and states
 * what the host told (GPUs, CPU, memory, drives by id and serial, the storage that follows
 * from them), with a TODO for each thing no host can tell: the PSU and the wall circuit are
 * left as TODO values, so `npm run check` refuses the draft until the owner fills them in.
 */
export function draftProfile(facts: HostFacts, opts: { dir?: string; catalog?: Catalog; file?: string } = {}): Draft {
  const catalog = opts.catalog ?? loadCatalog().catalog;
  if (!catalog) throw new Error("the catalogs in profiles/catalog/ are invalid: npm run check names the problems");
  const cpuKey = matchCatalog(catalog, "cpus", facts.cpu.name);
  const parent = closestProfile(facts, cpuKey, opts.dir);
  const todos: string[] = [];
  // Paths in the draft are relative to where it is written (profiles/ unless told otherwise).
  const dir = opts.dir ?? PROFILES_DIR;
  const here = opts.file ? dirname(opts.file) : dir;
  const rel = (f: string) => {
    const r = relative(here, f) || ".";
    return r.startsWith(".") ? r : `./${r}`;
  };
  const out: string[] = [
    `# yaml-language-server: $schema=${rel(join(dir, "profile.schema.json")).replace(/^\.\//, "")}`,
    `# Drafted by \`npm run discover\` from ${facts.hostname}: ${facts.os.pretty}, kernel ${facts.kernel}, Secure Boot ${facts.secureBoot}.`,
    `# Every figure below was read from the host, except where a line says ${TODO}: what no host can`,
    `# tell (its PSU, its wall circuit, its UPS) and what the parent profile chose for its own (a GPU`,
    `# power limit). Fill those in, then \`npm run check -- ${opts.file ? relative(process.cwd(), opts.file) : "THIS_FILE"}\`.`,
  ];
  if (facts.secureBoot === "enabled") out.push("# Secure Boot is on: the NVIDIA driver step needs DKMS's MOK key enrolled first (it says how).");
  for (const g of facts.gaps) out.push(`# Not read: ${g}`);
  out.push(`extends: ${rel(join(dir, parent.file))}`, `name: ${facts.hostname.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "workstation"}`, `description: ${q(`${facts.hostname} as discovered`)}`, "", "hardware:");

  // CPU
  if (cpuKey) out.push("  cpu:", `    model: ${cpuKey}   # ${facts.cpu.name}`);
  else {
    out.push(`  # ${TODO} cpu: the host reports "${facts.cpu.name}", which profiles/catalog/cpus.yaml does not list; the draft keeps ${parent.file}'s.`);
    todos.push(`cpu: "${facts.cpu.name}" is not in profiles/catalog/cpus.yaml: add it there, or keep ${parent.file}'s and check its figures`);
  }

  // Memory
  const mods = facts.memory.modules;
  if (mods.length > 0) {
    const size = mods[0]!.sizeGB;
    const speed = Math.min(...mods.map((m) => m.speedMTs ?? Infinity));
    const kind = /DDR5/i.test(mods[0]!.type) ? (mods[0]!.registered ? "ddr5-rdimm" : "ddr5-udimm") : "ddr4-rdimm";
    out.push("  memory:", `    modules: ${mods.length}   # of ${facts.memory.slots} slots populated: ${mods.map((m) => m.locator).join(", ")}`, `    moduleGB: ${size}`, `    kind: ${kind}`);
    if (Number.isFinite(speed)) out.push(`    speedMTs: ${speed}`);
    if (mods.some((m) => m.sizeGB !== size)) todos.push(`memory: the modules differ in size (${mods.map((m) => `${m.sizeGB} GB`).join(", ")}); the draft says ${size} GB each`);
  }

  // GPUs, grouped by model in PCI order
  if (facts.gpus.length > 0) {
    out.push("  gpus:");
    const groups: { key: string | undefined; gpus: HostFacts["gpus"][number][] }[] = [];
    for (const g of facts.gpus) {
      const key = matchCatalog(catalog, "gpus", g.name);
      const last = groups[groups.length - 1];
      if (last && last.key === key && last.gpus[0]!.name === g.name) last.gpus.push(g);
      else groups.push({ key, gpus: [g] });
    }
    for (const grp of groups) {
      const first = grp.gpus[0]!;
      for (const g of grp.gpus) out.push(`    # ${g.pciAddress} ${g.name}${g.uuid ? ` ${g.uuid}` : ""}${g.vramMiB ? `, ${g.vramMiB} MiB` : ""}${g.pcieLink ? `, ${g.pcieLink}` : ""}${g.pciIds ? ` ${g.pciIds}` : ""}`);
      if (!grp.key) {
        out.push(`    - model: ${TODO}   # "${first.name}" is not in profiles/catalog/gpus.yaml (${catalogModels(catalog, "gpus").join(", ")})`, `      count: ${grp.gpus.length}`);
        todos.push(`gpus: "${first.name}" is not in profiles/catalog/gpus.yaml: add it, or name the catalog model it is`);
        continue;
      }
      out.push(`    - model: ${grp.key}`, `      count: ${grp.gpus.length}`);
      // The list replaces the parent's, so its power limit is carried over where the parent
      // runs this card with one: the parent's budgets fit at that limit, not at the card's default.
      const limit = parent.profile.hardware.gpus.find((g) => g.model === grp.key)?.powerLimitW;
      if (limit !== undefined) {
        const range = first.powerLimitW ?? (catalog.entries.gpus.get(grp.key) as { powerLimitRangeW?: { min: number; max: number } }).powerLimitRangeW;
        out.push(`      powerLimitW: ${limit}   # ${TODO}: ${parent.file}'s limit, which its PSU and circuit fit; the card takes ${range ? `${range.min}-${range.max} W` : "its range"}`);
        todos.push(`gpus: powerLimitW ${limit} W is ${parent.file}'s (its PSU and circuit fit it): once yours are filled in, npm run check says whether it fits; raise it toward the card's ${range ? `${range.max} W` : "maximum"} only if check still says "fits", or remove the line to leave the card at its default`);
      }
      const uuids = grp.gpus.map((g) => g.uuid);
      if (uuids.every((u): u is string => !!u)) out.push(`      uuids: [${uuids.join(", ")}]   # these very cards: pulumi up and drift refuse a host without them`);
      const spec = catalog.entries.gpus.get(grp.key) as { powerLimitRangeW?: { min: number; max: number; default: number } };
      const r = first.powerLimitW;
      const c = spec.powerLimitRangeW;
      if (r && (!c || c.min !== r.min || c.max !== r.max || c.default !== r.default)) {
        out.push(`      powerLimitRangeW: { min: ${r.min}, max: ${r.max}, default: ${r.default} }   # read from the card (the catalog says ${c ? `${c.min}-${c.max}, default ${c.default}` : "nothing"})`);
      }
    }
  } else out.push(`  # no NVIDIA GPU found (nvidia-smi and lspci saw none): the draft keeps ${parent.file}'s GPUs`);
  if (facts.gpuSource === "lspci") todos.push("gpus: read from lspci (the NVIDIA driver is not running yet): no power-limit range or UUID; discover again after the first pulumi up to pin them");

  // Drives
  const layout = draftDrives(facts.drives, parent.profile, out, todos);

  // What no host can tell
  out.push(
    "  psu:",
    `    model: ${TODO}   # aiws cannot read the PSU: a key of profiles/catalog/psus.yaml (${catalogModels(catalog, "psus").join(", ")}),`,
    "    #                or model: null and every figure (name, ratedW, atxVersion, efficiency, native12v2x6, pcie8pin)",
    "  circuit:",
    `    volts: ${TODO}   # the wall circuit's voltage (120 in North America, 230 in most of Europe)`,
    `    amps: ${TODO}    # its breaker's rating (15 or 20 in North America, 16 in most of Europe)`,
    `  # ${TODO} ups: if the machine is on a UPS, its rating in watts (not VA): ups: { watts: 1500 }`,
  );
  todos.push("psu: aiws cannot read it: name the catalog model, or state every figure", "circuit: volts and amps of the breaker the machine is on", "ups: its rating in watts, if the machine is on one");

  out.push("", "storage:", ...layout);
  if (parent.profile.backup) {
    out.push("", `# ${TODO} backup: inherited from ${parent.file}, whose NAS (${parent.profile.backup.nas.host}:${parent.profile.backup.nas.path}) is an example: set yours, or backup: null`);
    todos.push(`backup: the NAS is ${parent.file}'s example (${parent.profile.backup.nas.host}): set yours, or backup: null`);
  }
  return { yaml: `${out.join("\n")}\n`, parent: parent.file, todos };
}

/** The drives by id and serial, what each holds, and the storage section that follows from them. */
function draftDrives(drives: readonly FoundDrive[], parent: Profile, out: string[], todos: string[]): string[] {
  const others = drives.filter((d) => !d.os);
  const raid = parent.storage?.layout === "raid0" && others.length >= 2;
  out.push("  drives:");
  for (const d of drives) {
    if (d.os && !d.byId && drives.length > 1) {
      // A virtio disk or a drive behind some RAID controllers has no by-id name. The profile
      // needs no OS drive (aiws never touches it) as long as it lists another, so it is noted
      // rather than left to fill in; a host with no other drive keeps it as a TODO (the schema
      // needs one drive).
      out.push(`    # the OS drive ${d.path} (${d.model || "no model"}${d.serial ? `, serial ${d.serial}` : ""}) has no /dev/disk/by-id name: not listed (aiws never touches the OS drive)`);
      continue;
    }
    const id = d.byId ?? `${TODO}`;
    if (!d.byId) todos.push(`drives: ${d.path} (${d.model}) has no /dev/disk/by-id name: aiws names drives only by id`);
    if (!d.serial) todos.push(`drives: ${d.path} (${d.model}) reports no serial`);
    out.push(
      `    - id: ${d.byId ? q(d.byId) : id}   # ${d.path}; holds: ${d.holds.length ? d.holds.join("; ") : "nothing (no partition, filesystem or mount)"}`,
      `      role: ${d.os ? "os" : raid ? "raid" : "data"}`,
      `      model: ${q(d.model)}`,
      `      serial: ${q(d.serial || TODO)}`,
      `      sizeGB: ${d.sizeGB}`,
      `      interface: ${d.interface ?? TODO}${d.interface ? "" : "   # nvme-gen3, nvme-gen4, nvme-gen5 or sata: the host did not say"}`,
    );
    if (!d.interface) todos.push(`drives: the interface of ${d.path} (${d.model})`);
    if (!d.os && d.holds.length > 0) {
      const member = d.holds.some((h) => h.startsWith("linux_raid_member"));
      todos.push(
        member
          ? `drives: ${d.path} (${d.model}, serial ${d.serial}) is part of an md array (${d.holds.join("; ")}): aiws keeps an array that is exactly the profile's (these members, RAID 0, storage.raid's device and chunk: compare with mdadm --detail) and changes nothing on one that is not; to rebuild it, back it up, stop it (mdadm --stop) and name the serial in storage.wipe`
          : `drives: ${d.path} (${d.model}, serial ${d.serial}) holds ${d.holds.join("; ")}: aiws will refuse to format it unless its serial is in storage.wipe`,
      );
    }
  }
  if (raid) return ["  layout: raid0", "  mounts: []", `  # the ${others.length} non-OS drives as one RAID 0 array at ${parent.storage?.raid?.mountpoint ?? "/data"} (from the parent profile)`];
  const lines = ["  layout: independent", "  raid: null", "  mounts:"];
  if (others.length === 0) return ["  layout: independent", "  raid: null", "  mounts: []   # no drive besides the OS drive"];
  others.forEach((d, i) => lines.push(`    - drive: ${d.byId ? q(d.byId) : TODO}`, `      mountpoint: /data${i === 0 ? "" : i + 1}`));
  return lines;
}
