import type { Concern } from "../../step/concern.js";
import { storageSteps } from "./steps.js";

export { storageSteps } from "./steps.js";

/** Storage: the data drives (independent, or mdadm RAID 0), their filesystems and mounts, TRIM. */
export const storageConcern: Concern = { name: "storage", steps: storageSteps };
