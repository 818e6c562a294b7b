import { z } from "zod";

/**
 * The NVIDIA stack: driver branch, kernel module flavour, CUDA toolkit, persistence.
 * Defaults are chosen for Blackwell (RTX PRO 6000): branch 580 is NVIDIA's long-term branch
 * (supported to mid-2028) and the first to carry CUDA 13.0; Blackwell needs 570 or later with
 * the open kernel modules, and CUDA 12.8 or later.
 */
export const nvidiaSchema = z
  .object({
    driverBranch: z.string().regex(/^\d{3}$/, "a driver branch is three digits, like 580").default("580"),
    kernelModules: z.enum(["open", "proprietary"]).default("open"),
    cudaVersion: z.string().regex(/^\d{2}\.\d$/, "a CUDA version is major.minor, like 12.8").default("12.8"),
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
  })
  .strict();

export type NvidiaConfig = z.infer<typeof nvidiaSchema>;
