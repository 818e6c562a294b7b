import type { Profile } from "../profile/schema/profile.js";
import type { Catalog } from "../profile/catalog.js";
import type { HostFacts } from "./facts.js";
import { matchCatalog } from "./draft.js";

/**
 * Where a profile does not describe the host it is about to configure: GPUs (count, models
 * and the UUIDs it pins), the CPU, the memory, and every drive the profile names (by serial
 * and by id). Each difference is one line with both sides; none means the profile describes
 * this machine.
 * Extra drives on the host are not differences (aiws touches only the drives it names).
 */
export function hardwareDifferences(profile: Profile, facts: HostFacts, catalog: Catalog): string[] {
  const hw = profile.hardware;
  const out = gpuDifferences(profile, facts, catalog, true);
  const cpu = matchCatalog(catalog, "cpus", facts.cpu.name);
  if (cpu !== hw.cpu.model) out.push(`CPU: the profile has ${hw.cpu.model}, the host ${cpu ?? `"${facts.cpu.name}" (not in the catalog)`}`);
  const mods = facts.memory.modules;
  if (mods.length > 0) {
    const hostGB = mods.reduce((n, m) => n + m.sizeGB, 0);
    if (mods.length !== hw.memory.modules || hostGB !== hw.memory.modules * hw.memory.moduleGB) {
      out.push(`memory: the profile has ${hw.memory.modules} x ${hw.memory.moduleGB} GB, the host ${mods.length} module(s), ${hostGB} GB in all`);
    }
  }
  return [...out, ...driveDifferences(profile, facts)];
}

/**
 * What must hold before aiws changes anything on a host (drift, and the first step of a
 * converge): the GPUs (count, models, pinned UUIDs) and every drive the profile names. A host where no
 * tool sees any NVIDIA card yet (no driver, no lspci) cannot be told apart, so it is not
 * called different; the driver steps say so on their own.
 */
export function identityDifferences(profile: Profile, facts: HostFacts, catalog: Catalog): string[] {
  return [...gpuDifferences(profile, facts, catalog, false), ...driveDifferences(profile, facts)];
}

function gpuDifferences(profile: Profile, facts: HostFacts, catalog: Catalog, noneIsDifferent: boolean): string[] {
  const out: string[] = [];
  const hw = profile.hardware;
  const want = hw.gpus.reduce((n, g) => n + g.count, 0);
  if (facts.gpuSource === "none") {
    if (want > 0 && noneIsDifferent) out.push(`GPUs: the profile has ${want}, the host shows none (neither nvidia-smi nor lspci sees an NVIDIA card)`);
  } else {
    if (facts.gpus.length !== want) out.push(`GPUs: the profile has ${want}, the host has ${facts.gpus.length} (${facts.gpus.map((g) => g.pciAddress).join(", ")})`);
    const wanted = new Map<string, number>();
    for (const g of hw.gpus) wanted.set(g.model, (wanted.get(g.model) ?? 0) + g.count);
    const found = new Map<string, number>();
    for (const g of facts.gpus) {
      const key = matchCatalog(catalog, "gpus", g.name) ?? `"${g.name}"`;
      found.set(key, (found.get(key) ?? 0) + 1);
    }
    for (const key of new Set([...wanted.keys(), ...found.keys()])) {
      const a = wanted.get(key) ?? 0;
      const b = found.get(key) ?? 0;
      if (a !== b && facts.gpus.length === want) out.push(`GPUs: the profile has ${a} x ${key}, the host ${b}`);
    }
  }
  // Pinned UUIDs: only nvidia-smi reads them. Before the driver runs (lspci) they cannot be
  // told; once it does, npm run drift holds them, and so does every pulumi up that runs a step.
  if (facts.gpuSource === "nvidia-smi") {
    const onHost = new Set(facts.gpus.flatMap((g) => (g.uuid ? [g.uuid.toLowerCase()] : [])));
    for (const g of hw.gpus) {
      for (const u of g.uuids ?? []) {
        if (!onHost.has(u.toLowerCase())) out.push(`GPU ${u} (${g.model}): not on the host (its GPUs: ${facts.gpus.map((x) => x.uuid ?? x.pciAddress).join(", ")}); a card was swapped or is missing: discover again, or fix hardware.gpus.uuids`);
      }
    }
  }
  return out;
}

function driveDifferences(profile: Profile, facts: HostFacts): string[] {
  const out: string[] = [];
  for (const d of profile.hardware.drives) {
    const bySerial = facts.drives.find((x) => x.serial === d.serial);
    if (!bySerial) out.push(`drive ${d.serial} (${d.role}, ${d.id}): not on the host (its drives: ${facts.drives.map((x) => x.serial || x.path).join(", ") || "none"})`);
    else if (bySerial.byIds.length > 0 && !bySerial.byIds.includes(d.id)) out.push(`drive ${d.serial}: the profile names it ${d.id}, which the host does not have (it has ${bySerial.byIds.join(", ")})`);
  }
  return out;
}
