import { z } from "zod";
import { text } from "./text.js";
import { hardwareSchema } from "./hardware.js";
import { nvidiaSchema } from "./nvidia.js";
import { storageSchema } from "./storage.js";
import { backupSchema } from "./backup.js";
import { inferenceSchema } from "./inference.js";
import { checkProfileRules } from "./rules.js";

/** Tunables of the power budget. */
const budgetSchema = z
  .object({
    /** Sustained DC load may use at most this fraction of the PSU's rating; the rest is margin for ageing and heat. */
    psuHeadroom: z.number().min(0.5).max(1).default(0.9),
  })
  .strict();

/**
 * A hardware profile: the one reviewed YAML file that describes a workstation and what
 * runs on it. This schema is the one source of the TypeScript types.
 */
export const profileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
    description: text().optional(),
    hardware: hardwareSchema,
    budget: budgetSchema.prefault({}),
    nvidia: nvidiaSchema.prefault({}),
    storage: storageSchema.optional(),
    backup: backupSchema.optional(),
    inference: inferenceSchema.prefault({}),
  })
  .strict()
  .superRefine(checkProfileRules);

export type Profile = z.infer<typeof profileSchema>;
export type BudgetConfig = z.infer<typeof budgetSchema>;
