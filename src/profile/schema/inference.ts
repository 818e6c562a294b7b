import { z } from "zod";

/** Inference runtimes run as systemd services, each serving one model. */
export const inferenceServiceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
    runtime: z.enum(["vllm", "ollama", "llama.cpp"]),
    model: z.string().min(1),
    quantization: z.string().min(1),
    contextLength: z.number().int().min(256).max(1_048_576),
    parallel: z.number().int().min(1).max(256).default(1),
    /** Indexes into the profile's GPUs, counting across `hardware.gpus` entries. */
    gpus: z.array(z.number().int().min(0).max(15)).default([]),
    port: z.number().int().min(1024).max(65535),
    /** vLLM's --gpu-memory-utilization: the fraction of each assigned GPU it may take. */
    memoryFraction: z.number().gt(0).max(1).optional(),
  })
  .strict();

export const inferenceSchema = z
  .object({
    services: z.array(inferenceServiceSchema).default([]),
  })
  .strict();

export type InferenceService = z.infer<typeof inferenceServiceSchema>;
export type InferenceConfig = z.infer<typeof inferenceSchema>;
