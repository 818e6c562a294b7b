import type { Profile } from "../profile/schema/profile.js";
import { loadCatalog, DEFAULT_CATALOG_DIR } from "../profile/catalog.js";

type Draw = { idle: number; typical: number; peak: number };

/**
 * What a budget verdict rests on that aiws cannot read from the host: the PSU, the wiring, the
 * UPS, and every figure the profile sets below the catalog's (a BIOS power cap). `npm run
 * check` ends with them, for the owner to confirm; a wrong one makes "fits" wrong.
 */
export function budgetAssumptions(profile: Profile, catalogDir: string = DEFAULT_CATALOG_DIR): string[] {
  const hw = profile.hardware;
  const catalog = loadCatalog(catalogDir).catalog;
  const out: string[] = [];

  const cpuSpec = catalog?.entries.cpus.get(hw.cpu.model) as { name: string; draw: Draw } | undefined;
  if (cpuSpec) {
    if (hw.cpu.draw.peak < cpuSpec.draw.peak) out.push(`CPU package power (PPT) capped at ${hw.cpu.draw.peak} W in the BIOS (the ${cpuSpec.name} holds ${cpuSpec.draw.peak} W at stock): aiws cannot read it`);
    out.push(...lowered(`CPU ${hw.cpu.name}`, "cpus", { idle: hw.cpu.draw.idle, typical: hw.cpu.draw.typical }, cpuSpec.draw));
  }
  for (const [i, g] of hw.gpus.entries()) {
    const spec = catalog?.entries.gpus.get(g.model) as { draw: Draw; tdpW: number; transientFactor: number } | undefined;
    if (!spec) continue;
    const label = `GPU entry ${i} (${g.name})`;
    out.push(...lowered(label, "gpus", { ...g.draw, tdpW: g.tdpW, transientFactor: g.transientFactor }, { ...spec.draw, tdpW: spec.tdpW, transientFactor: spec.transientFactor }));
  }

  const psu = hw.psu;
  const needs16pin = hw.gpus.some((g) => g.connector === "12v-2x6");
  out.push(
    `the PSU is ${psu.name}: ${psu.ratedW} W, ATX ${psu.atxVersion}, 80 PLUS ${psu.efficiency}, ${psu.native12v2x6} native 12V-2x6 connectors` +
      `${needs16pin ? ", each GPU on its own native cable (no adapter, no splitter)" : ""}: aiws cannot read the PSU`,
  );
  out.push(`the wall circuit is ${hw.circuit.volts} V / ${hw.circuit.amps} A and feeds only this machine (nothing else on that breaker): aiws cannot see the wiring`);
  if (hw.ups) out.push(`the UPS${hw.ups.model ? ` (${hw.ups.model})` : ""} delivers ${hw.ups.watts} W (its rating in watts, not VA) and feeds only this machine: aiws cannot read it`);
  return out;
}

/** Figures the profile sets below the catalog's: each one is the owner's word, not a datasheet's. */
function lowered(label: string, catalog: string, mine: Record<string, number>, spec: Record<string, number>): string[] {
  return Object.entries(mine)
    .filter(([k, v]) => spec[k] !== undefined && v < spec[k]!)
    .map(([k, v]) => `${label}: ${k} ${v} where profiles/catalog/${catalog}.yaml says ${spec[k]}: aiws cannot measure it`);
}

/** The list `npm run check` prints last, one box per assumption. */
export function formatAssumptions(assumptions: readonly string[]): string {
  return ["  Assumed, and aiws cannot verify it (confirm each one yourself):", ...assumptions.map((a) => `    [ ] ${a}`)].join("\n");
}
