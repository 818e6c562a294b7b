import type { Profile } from "../profile/schema/profile.js";
import { compareVersions, cudaReleasesFor, versionsOf, type RuntimeCatalog } from "../profile/runtimeCatalog.js";

/**
 * `npm run versions`: a profile's pins (driver branch, CUDA, the runtimes its services use)
 * against profiles/catalog/runtimes.yaml's newest, and, when looked up, against upstream's
 * newest release; with what changes in between that aiws knows of (the catalog's `changes`).
 */

export type Component = "driverBranches" | "cuda" | "vllm" | "ollama" | "llamaCpp";

const COMPONENT_NAMES: Readonly<Record<Component, string>> = {
  driverBranches: "NVIDIA driver branch",
  cuda: "CUDA toolkit",
  vllm: "vLLM",
  ollama: "Ollama",
  llamaCpp: "llama.cpp",
};

interface VersionRow {
  readonly component: Component;
  readonly name: string;
  readonly pinned: string;
  /** The newest release the catalog lists (for driver branches: the newest long-term branch). */
  readonly catalogNewest: string;
  /** Upstream's newest release, when it was looked up and answered. */
  readonly upstream?: string;
  /** Why upstream has no figure: not looked up, no source to ask, or the error. */
  readonly upstreamNote?: string;
  /** newest | behind (the catalog lists newer) | unlisted (the catalog lacks the pin) | ahead-of-catalog (upstream is newer than the catalog) */
  readonly status: "newest" | "behind" | "unlisted" | "ahead-of-catalog";
  /** The catalog's changes between the pin (exclusive) and the newest (inclusive): what + what aiws does. */
  readonly changes: readonly string[];
  readonly note?: string;
}

/** The pins of a profile: the driver and CUDA with GPUs, each runtime a service uses. */
export function profilePins(p: Profile): { component: Component; pinned: string }[] {
  const uses = (r: string) => p.inference.services.some((s) => s.runtime === r);
  return [
    ...(p.hardware.gpus.length > 0
      ? [
          { component: "driverBranches" as const, pinned: p.nvidia.driverBranch },
          { component: "cuda" as const, pinned: p.nvidia.cudaVersion },
        ]
      : []),
    ...(uses("vllm") ? [{ component: "vllm" as const, pinned: p.inference.runtimes.vllm.version }] : []),
    ...(uses("ollama") ? [{ component: "ollama" as const, pinned: p.inference.runtimes.ollama.version }] : []),
    ...(uses("llama.cpp") && p.inference.runtimes.llamaCpp.binary === undefined ? [{ component: "llamaCpp" as const, pinned: p.inference.runtimes.llamaCpp.version }] : []),
  ];
}

function catalogNewest(catalog: RuntimeCatalog, c: Component): string {
  if (c === "driverBranches") {
    // An owner wants the newest branch NVIDIA supports for years, not a short-lived feature branch.
    return versionsOf(catalog.driverBranches).filter((b) => catalog.driverBranches[b]!.type === "long-term").pop()!;
  }
  return versionsOf(catalog[c]).pop()!;
}

export function versionRows(p: Profile, catalog: RuntimeCatalog, upstream: Partial<Record<Component, { version?: string; note?: string }>> = {}): VersionRow[] {
  return profilePins(p).map(({ component, pinned }) => {
    const newest = catalogNewest(catalog, component);
    const listed = pinned in catalog[component];
    const up = upstream[component];
    const upNewer = up?.version !== undefined && compareVersions(up.version, newest) > 0;
    const status = upNewer ? "ahead-of-catalog" : !listed ? "unlisted" : compareVersions(pinned, newest) < 0 ? "behind" : "newest";
    const changes = catalog.changes[component]
      .filter((ch) => compareVersions(ch.at, pinned) > 0 && compareVersions(ch.at, newest) <= 0)
      .map((ch) => `${ch.at}: ${ch.what} (aiws: ${ch.handled})`);
    const entry = (catalog[component] as Record<string, { note?: string; endOfLife?: string }>)[pinned];
    const runnable = component === "cuda" ? cudaReleasesFor(p.nvidia.driverBranch, catalog).pop() : undefined;
    const note = [
      entry?.endOfLife ? `supported to ${entry.endOfLife}` : "",
      runnable && runnable !== newest ? `driver branch ${p.nvidia.driverBranch} runs CUDA up to ${runnable}` : "",
      entry?.note ?? "",
    ]
      .filter(Boolean)
      .join("; ");
    return {
      component,
      name: COMPONENT_NAMES[component],
      pinned,
      catalogNewest: newest,
      ...(up?.version !== undefined ? { upstream: up.version } : {}),
      ...(up?.note !== undefined ? { upstreamNote: up.note } : {}),
      status,
      changes,
      ...(note ? { note } : {}),
    };
  });
}

const STATUS_TEXT: Readonly<Record<Exclude<VersionRow["status"], "unlisted">, string>> = {
  newest: "the catalog's newest",
  behind: "the catalog lists newer",
  "ahead-of-catalog": "upstream has a release the catalog does not list yet",
};

/** Why a pin the catalog does not list still works, per component. */
const UNLISTED_TEXT: Readonly<Record<Component, string>> = {
  driverBranches: "not in the catalog (NVIDIA's repository decides what it installs)",
  cuda: "not in the catalog",
  vllm: "not in the catalog (the profile says which CUDA its wheel needs)",
  ollama: "not in the catalog (the profile gives its checksum)",
  llamaCpp: "not in the catalog (the profile gives its checksum)",
};

export function formatVersions(file: string, rows: readonly VersionRow[]): string {
  const lines = [`${file}`];
  for (const r of rows) {
    const up = r.upstream !== undefined ? `, upstream ${r.upstream}` : r.upstreamNote ? `, upstream: ${r.upstreamNote}` : "";
    lines.push(`  ${r.name.padEnd(21)} ${r.pinned.padEnd(8)} catalog newest ${r.catalogNewest}${up}: ${r.status === "unlisted" ? UNLISTED_TEXT[r.component] : STATUS_TEXT[r.status]}`);
    if (r.note) lines.push(`      ${r.note}`);
    for (const c of r.changes) lines.push(`      changes at ${c}`);
  }
  return lines.join("\n");
}
