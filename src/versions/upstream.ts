import type { Component } from "./report.js";

/**
 * Upstream's newest release of each runtime, from the public APIs that publish it: PyPI's JSON
 * API for vLLM, GitHub's latest release for Ollama and llama.cpp. The driver and CUDA have no
 * such API: their rows say so. `origins` replaces the two hosts (a stub server in the tests,
 * a proxy or mirror on a locked-down network).
 */
interface Origins {
  readonly pypi: string;
  readonly github: string;
}

export const PUBLIC_ORIGINS: Origins = { pypi: "https://pypi.org", github: "https://api.github.com" };

const SOURCES: Readonly<Record<Component, ((o: Origins) => { url: string; pick: (body: unknown) => string | undefined }) | undefined>> = {
  vllm: (o) => ({ url: `${o.pypi}/pypi/vllm/json`, pick: (b) => (b as { info?: { version?: string } }).info?.version }),
  ollama: (o) => ({ url: `${o.github}/repos/ollama/ollama/releases/latest`, pick: (b) => (b as { tag_name?: string }).tag_name?.replace(/^v/, "") }),
  llamaCpp: (o) => ({ url: `${o.github}/repos/ggml-org/llama.cpp/releases/latest`, pick: (b) => (b as { tag_name?: string }).tag_name }),
  driverBranches: undefined,
  cuda: undefined,
};

export async function upstreamVersions(components: readonly Component[], origins: Origins = PUBLIC_ORIGINS, timeoutMs = 15_000): Promise<Partial<Record<Component, { version?: string; note?: string }>>> {
  const out: Partial<Record<Component, { version?: string; note?: string }>> = {};
  await Promise.all(
    components.map(async (c) => {
      const source = SOURCES[c]?.(origins);
      if (!source) {
        out[c] = { note: "no release API to ask; see the catalog entry's source" };
        return;
      }
      try {
        const res = await fetch(source.url, { headers: { accept: "application/json", "user-agent": "aiws-versions" }, signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) {
          out[c] = { note: `${source.url} answered ${res.status}` };
          return;
        }
        const version = source.pick(await res.json());
        out[c] = version && /^[A-Za-z0-9.+-]{1,40}$/.test(version) ? { version } : { note: `${source.url} named no release` };
      } catch (e) {
        out[c] = { note: `${source.url}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}` };
      }
    }),
  );
  return out;
}
