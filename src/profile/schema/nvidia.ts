import { z } from "zod";
import { runtimeCatalog } from "../runtimeCatalog.js";

/**
 * The NVIDIA stack: driver branch, kernel module flavour, CUDA toolkit, persistence.
 * Defaults come from profiles/catalog/runtimes.yaml, chosen for Blackwell (RTX PRO 6000):
 * branch 580 is NVIDIA's long-term branch (supported to June 2028) and runs CUDA 13.0, the
 * CUDA vLLM's wheels are built for; Blackwell needs 570 or later with the open kernel modules,
 * and CUDA 12.8 or later. The catalog also says which branch each CUDA release needs
 * (src/profile/schema/versionRules.ts refuses a pair that cannot run).
 */
const DEFAULTS = runtimeCatalog().defaults;
/**
 * NVIDIA's CUDA repository signing key, 3bf863cc "cudatools <cudatools@nvidia.com>" (the key
 * NVIDIA moved to in 2022: https://developer.nvidia.com/blog/updating-the-cuda-linux-gpg-repository-key/).
 */
const NVIDIA_REPO_KEY_FINGERPRINT = "EB693B3035CD5710E231E123A4B469963BF863CC";

export const nvidiaSchema = z
  .object({
    driverBranch: z.string().regex(/^\d{3}$/, "a driver branch is three digits, like 580").default(DEFAULTS.driverBranch),
    kernelModules: z.enum(["open", "proprietary"]).default("open"),
    cudaVersion: z.string().regex(/^\d{2}\.\d$/, "a CUDA version is major.minor, like 13.0").default(DEFAULTS.cuda),
    /** Keep the driver loaded (nvidia-persistenced) so power limits survive idle periods. */
    persistence: z.boolean().default(true),
    /**
     * NVIDIA's CUDA apt repository, or a mirror of it (the VM lab's). `{distro}` becomes
     * `ubuntu2404` or `debian12` on the host. Default:
     * https://developer.download.nvidia.com/compute/cuda/repos/{distro}/x86_64/
     */
    repoUrl: z
      .string()
      .regex(/^(https?|file):\/\/[^\s'"\\]+$/, "an http(s) or file URL without spaces or quotes, like https://mirror.lan/cuda/{distro}/x86_64/")
      .optional(),
    /**
     * The OpenPGP keys apt may trust for the repository: every key in the cuda-keyring package's
     * keyring must be one of these, or nvidia-repo refuses to install that keyring (it is the
     * trust anchor for every driver and CUDA package after it; the package itself is never
     * installed). Default: NVIDIA's CUDA repository key
     * (3bf863cc). `trust-on-first-use` accepts whatever the mirror serves, saying so: for a
     * private mirror with a key of its own, such as the VM lab's.
     */
    repoKeyFingerprints: z
      .union([z.array(z.string().regex(/^[0-9A-Fa-f]{40}$/, "a fingerprint is 40 hex digits, as gpg --show-keys prints it")).min(1), z.literal("trust-on-first-use")])
      .default([NVIDIA_REPO_KEY_FINGERPRINT]),
  })
  .strict();

export type NvidiaConfig = z.infer<typeof nvidiaSchema>;
