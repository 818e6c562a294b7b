import type { InferenceConfig } from "./inference.js";
import type { NvidiaConfig } from "./nvidia.js";
import { compareVersions, cudaMinBranch, cudaReleasesFor, llamaCppRecipe, runtimeCatalog, versionsOf, type RuntimeCatalog } from "../runtimeCatalog.js";

const CATALOG_FILE = "profiles/catalog/runtimes.yaml";

/**
 * The oldest CUDA whose nvcc knows these CMAKE_CUDA_ARCHITECTURES: family targets (`120f`) came
 * with CUDA 12.9, Blackwell's sm_120 and its arch-specific `120a` with 12.8.
 */
function archMinCuda(archs: string): string {
  const list = archs.split(";");
  if (list.some((a) => /^\d+f(-real|-virtual)?$/.test(a))) return "12.9";
  if (list.some((a) => /^12\d/.test(a))) return "12.8";
  return "12.0";
}

/**
 * The version traps a pin bump walks into, refused before anything is installed, each at the
 * path to change and with what would work (from profiles/catalog/runtimes.yaml):
 * - a CUDA toolkit the driver branch cannot run (each CUDA release has a minimum driver);
 * - a vLLM release with no wheel for the CUDA the profile installs (its wheels bring their own
 *   CUDA libraries, built for one release per variant: 0.20.0 and later default to 13.0);
 * - a llama.cpp tag whose build needs a newer CUDA than the profile installs (it is compiled
 *   against the profile's toolkit).
 * Runtimes no service uses are not checked: nothing installs them.
 */
export function checkVersionRules(
  p: { nvidia: NvidiaConfig; inference: InferenceConfig; hasGpus: boolean },
  issue: (path: (string | number)[], message: string) => void,
  catalog: RuntimeCatalog = runtimeCatalog(),
): void {
  const cuda = p.nvidia.cudaVersion;
  const branch = Number(p.nvidia.driverBranch);
  const known = versionsOf(catalog.cuda);
  const entry = catalog.cuda[cuda];
  if (p.hasGpus) {
    if (!entry) {
      issue(["nvidia", "cudaVersion"], `CUDA ${cuda} is not in ${CATALOG_FILE} (it lists ${known.join(", ")}): aiws does not know which driver it needs; pick a listed release`);
    } else if (branch < cudaMinBranch(entry.minDriver)) {
      const runnable = cudaReleasesFor(p.nvidia.driverBranch, catalog);
      issue(
        ["nvidia", "cudaVersion"],
        `CUDA ${cuda} needs driver ${entry.minDriver} or later, and driver branch ${p.nvidia.driverBranch} is older: set nvidia.driverBranch to ${cudaMinBranch(entry.minDriver)} or later, or cudaVersion to ${runnable.length > 0 ? runnable.join(" or ") : "an older release"}`,
      );
    }
  }

  const uses = (r: string) => p.inference.services.some((s) => s.runtime === r);
  const rt = p.inference.runtimes;
  if (uses("vllm")) {
    const release = catalog.vllm[rt.vllm.version];
    const at = ["inference", "runtimes", "vllm"];
    if (!release && rt.vllm.cuda === undefined) {
      issue([...at, "version"], `vLLM ${rt.vllm.version} is not in ${CATALOG_FILE} (it lists ${versionsOf(catalog.vllm).join(", ")}): pick a listed release, or say which CUDA its wheel is built for with runtimes.vllm.cuda`);
    } else if (release && !release.variants[cuda]) {
      const builds = Object.keys(release.variants);
      const others = versionsOf(catalog.vllm).filter((v) => catalog.vllm[v]!.variants[cuda]);
      issue(
        [...at, "version"],
        `vLLM ${rt.vllm.version}'s wheels are built for CUDA ${builds.join(" or ")}, and the profile installs CUDA ${cuda}: set nvidia.cudaVersion to ${builds.join(" or ")}${others.length > 0 ? `, or pin vLLM ${others.join(" or ")} (built for ${cuda})` : ""}`,
      );
    } else if (!release && rt.vllm.cuda !== cuda) {
      issue([...at, "cuda"], `vLLM ${rt.vllm.version} is built for CUDA ${rt.vllm.cuda}, and the profile installs CUDA ${cuda}: set nvidia.cudaVersion to ${rt.vllm.cuda}, or pin a vLLM built for ${cuda}`);
    }
  }

  if (uses("llama.cpp") && rt.llamaCpp.binary === undefined) {
    const recipe = llamaCppRecipe(rt.llamaCpp.version, catalog);
    const archs = rt.llamaCpp.cudaArchitectures ?? recipe.cudaArchitectures;
    const needed = [recipe.minCuda, ...(rt.llamaCpp.cudaArchitectures !== undefined ? [archMinCuda(archs)] : [])].sort(compareVersions).pop()!;
    if (p.hasGpus && compareVersions(cuda, needed) < 0) {
      issue(
        ["inference", "runtimes", "llamaCpp", rt.llamaCpp.cudaArchitectures !== undefined && needed !== recipe.minCuda ? "cudaArchitectures" : "version"],
        `llama.cpp ${rt.llamaCpp.version} built for CUDA architectures ${archs} needs CUDA ${needed} or later; the profile installs CUDA ${cuda}: raise nvidia.cudaVersion`,
      );
    }
  }
}
