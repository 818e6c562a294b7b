/**
 * What several concerns name alike, defined once: the host's state directory, and the ids of
 * the steps other concerns' steps come after. A concern imports these, never another
 * concern's module, to name a step it waits for.
 */

/** aiws's state on the host: markers, the backup status, the migration's journal. */
export const STATE_DIR = "/var/lib/aiws";

/** STATE_DIR as the systemd units that write it declare it: made (0755, as the steps make it) and writable whatever the sandbox. */
export const STATE_DIRECTORY = `StateDirectory=${STATE_DIR.replace(/^\/var\/lib\//, "")}`;

/** The base concern's steps (base/index.ts). */
export const BASE_STEP_IDS = {
  packages: "base-packages",
  governor: "cpu-governor",
  nofile: "nofile-limits",
  swappiness: "swappiness",
  data: "data-layout",
} as const;

/** The NVIDIA concern's steps (nvidia/index.ts). */
export const NVIDIA_STEP_IDS = { repo: "nvidia-repo", nouveau: "nvidia-nouveau-off", driver: "nvidia-driver" } as const;

/** The CUDA concern's steps (cuda/index.ts). */
export const CUDA_STEP_IDS = { toolkit: "cuda-toolkit", profile: "cuda-profile" } as const;

/** The storage step that mounts the data volumes (storage/steps.ts); base's data layout and the backup units come after it. */
export const STORAGE_MOUNTED = "storage-mounted";
