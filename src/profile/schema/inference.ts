import { z } from "zod";
import { nonEmptyText, text } from "./text.js";
import { checkServiceSafety } from "./serviceSafety.js";
import { OLLAMA_ZSTD_FROM, compareVersions, runtimeCatalog, versionsOf } from "../runtimeCatalog.js";

/**
 * Inference: models served as systemd services, one unit per service, each pinned to a
 * runtime version. The VRAM budget (src/budget/vram.ts) checks every service against the
 * GPUs and the system RAM it may use before anything is installed; the model figures come
 * from profiles/catalog/models.yaml (`modelSpecSchema` below).
 */

const RUNTIMES = ["vllm", "ollama", "llama.cpp"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Weight formats a runtime can serve. GGUF names are llama.cpp's, lower-cased. */
const QUANTIZATIONS = ["fp16", "bf16", "fp8", "int4-awq", "int4-gptq", "q8_0", "q6_k", "q5_k_m", "q4_k_m"] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

/** What each runtime loads: vLLM safetensors checkpoints, Ollama and llama.cpp GGUF files. */
export const RUNTIME_QUANTIZATIONS: Readonly<Record<Runtime, readonly Quantization[]>> = {
  vllm: ["fp16", "bf16", "fp8", "int4-awq", "int4-gptq"],
  ollama: ["fp16", "bf16", "q8_0", "q6_k", "q5_k_m", "q4_k_m"],
  "llama.cpp": ["fp16", "bf16", "q8_0", "q6_k", "q5_k_m", "q4_k_m"],
};

/**
 * KV cache element types and their bytes per element: fp16 2; fp8 1; llama.cpp's q8_0 and
 * q4_0 blocks hold 32 values in 34 and 18 bytes (Ollama rounds them to 1 and 0.5).
 */
const KV_CACHE_TYPES = ["fp16", "fp8", "q8_0", "q4_0"] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];
export const KV_CACHE_BYTES: Readonly<Record<KvCacheType, number>> = { fp16: 2, fp8: 1, q8_0: 34 / 32, q4_0: 18 / 32 };
const RUNTIME_KV_CACHE_TYPES: Readonly<Record<Runtime, readonly KvCacheType[]>> = {
  vllm: ["fp16", "fp8"],
  ollama: ["fp16", "q8_0", "q4_0"],
  "llama.cpp": ["fp16", "q8_0", "q4_0"],
};

/** vLLM's documented default for --gpu-memory-utilization; aiws always passes the flag. */
export const DEFAULT_VLLM_MEMORY_FRACTION = 0.9;

const CATALOG = runtimeCatalog();

/** Versions aiws installs unless the profile pins others: profiles/catalog/runtimes.yaml's defaults. */
export const RUNTIME_DEFAULTS = {
  vllm: { version: CATALOG.defaults.vllm },
  ollama: { version: CATALOG.defaults.ollama },
  llamaCpp: { version: CATALOG.defaults.llamaCpp },
} as const;

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "lowercase letters, digits and dashes (at most 41)");
/** Rendered into unit files and argv unquoted: no spaces, quotes, `$` or `%`. */
const token = z.string().regex(/^[A-Za-z0-9._/:@+=,-]+$/, "letters, digits and . _ / : @ + = , - only (it goes into a systemd unit)");
const absPath = z.string().regex(/^\/[A-Za-z0-9._/+-]*$/, "an absolute path of letters, digits and . _ / + -");
const url = z.string().regex(/^(https?|file):\/\/[^\s'"$`\\]+$/, "an http(s):// or file:// URL without spaces or quotes");
const host = z.string().regex(/^[A-Za-z0-9.:-]+$/, "an address to listen on (127.0.0.1, 0.0.0.0, a LAN address)");

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits, as sha256sum prints them");

/**
 * A download aiws runs as root (unpacked, built, then executed by the service) is checked
 * against a sha256: the catalog's for a version it lists, the profile's for anything else
 * (a version the catalog does not list, or another URL: a mirror, a plain http:// one).
 */
function needsChecksum(what: string, listed: Record<string, unknown>) {
  return (r: { version: string; url?: string | undefined; sha256?: string | undefined; binary?: string | undefined }, ctx: z.RefinementCtx) => {
    // A binary already on the host is run as it is: nothing is downloaded.
    if (r.sha256 !== undefined || r.binary !== undefined) return;
    if (r.url !== undefined) {
      ctx.addIssue({ code: "custom", path: ["sha256"], message: `${what} from url ${r.url} is downloaded and run as root: give its sha256 (sha256sum of the file you checked), or remove url` });
    } else if (!(r.version in listed)) {
      ctx.addIssue({
        code: "custom",
        path: ["sha256"],
        message: `${what} from version ${r.version} is downloaded and run as root, and profiles/catalog/runtimes.yaml has no checksum for it (it lists ${versionsOf(listed).join(", ")}): give its sha256 (sha256sum of the file you checked against upstream's), or pick a listed version`,
      });
    }
  };
}

/** Ollama's Linux asset is a .tar.zst from 0.14.0: a GitHub release URL ending in .tgz for such a version does not exist. */
function ollamaAssetFormat(r: { version: string; url?: string | undefined }, ctx: z.RefinementCtx) {
  if (r.url === undefined || compareVersions(r.version, OLLAMA_ZSTD_FROM) < 0) return;
  if (/^https:\/\/github\.com\/ollama\//.test(r.url) && r.url.endsWith(".tgz")) {
    ctx.addIssue({
      code: "custom",
      path: ["url"],
      message: `Ollama ${OLLAMA_ZSTD_FROM} and later publish ollama-linux-amd64.tar.zst, not .tgz (ollama/ollama#13651): this URL does not exist for ${r.version}; remove url to use the release's asset`,
    });
  }
}

/** One model served by one runtime: one systemd unit `aiws-<runtime>-<name>.service`. */
const inferenceServiceSchema = z
  .object({
    name,
    runtime: z.enum(RUNTIMES),
    /** A key of profiles/catalog/models.yaml: the architecture figures the budget uses. */
    model: nonEmptyText(),
    /** What the runtime loads: vLLM a Hugging Face repo id or a local directory; Ollama a tag (`llama3.1:70b-instruct-q4_K_M`); llama.cpp a .gguf path or a Hugging Face `user/repo:quant` for `-hf`. */
    source: token,
    quantization: z.enum(QUANTIZATIONS),
    /** Tokens per sequence (vLLM --max-model-len; llama.cpp gets contextLength x parallel as -c, split into `parallel` slots). */
    contextLength: z.number().int().min(256).max(1_048_576),
    /** Sequences served at once, each at the full context length: the KV cache is sized for all of them. */
    parallel: z.number().int().min(1).max(256).default(1),
    /** Indexes into the profile's GPUs (nvidia-smi order), counting across `hardware.gpus` entries. vLLM runs tensor parallel over all of them. */
    gpus: z.array(z.number().int().min(0).max(15)).default([]),
    host: host.default("127.0.0.1"),
    port: z.number().int().min(1024).max(65535),
    /** vLLM only: --gpu-memory-utilization, the fraction of each assigned GPU it takes (weights, activations, KV cache). Default 0.9. */
    memoryFraction: z.number().gt(0).max(0.98).optional(),
    kvCacheType: z.enum(KV_CACHE_TYPES).default("fp16"),
    /** llama.cpp only: layers held on the GPUs (-ngl); the rest run from system RAM on the CPU. Default: all. */
    gpuLayers: z.number().int().min(0).max(1000).optional(),
    /** llama.cpp only: --tensor-split, one proportion per GPU in `gpus`. Default: even. */
    tensorSplit: z.array(z.number().positive()).optional(),
    /** Ollama only: OLLAMA_KEEP_ALIVE. Default "-1": the model stays loaded, as the VRAM budget assumes. */
    keepAlive: z.string().regex(/^(-1|\d+[smh]?)$/, "-1, a number of seconds, or 5m / 24h").optional(),
    /** Ollama only: `ollama pull <source>` in the step's apply when the model is not there yet. */
    pull: z.boolean().optional(),
    /** A throughput the service must reach at batch 1 (a claim to hold the build to); refused when above the bandwidth ceiling. */
    minTokensPerSecond: z.number().positive().optional(),
    /** How long the step's apply waits for the health endpoint after a (re)start. */
    startTimeoutSec: z.number().int().min(10).max(7200).optional(),
    /** More runtime flags, appended to the command line as they are; never one aiws sets (serviceSafety.ts). */
    extraArgs: z.array(token).default([]),
    /** Listen beyond this machine without authentication (Ollama has none; vLLM and llama.cpp without inference.apiKey): refused unless true. */
    exposeWithoutAuth: z.boolean().default(false),
    /** vLLM only: --trust-remote-code, running Python that comes with the model repository. */
    trustRemoteCode: z.boolean().default(false),
  })
  .strict();

export const runtimesSchema = z
  .object({
    vllm: z
      .object({
        /** A vLLM release in profiles/catalog/runtimes.yaml (which says the CUDA its wheels need); default the catalog's. */
        version: z.string().regex(/^\d+\.\d+\.\d+(\.post\d+)?$/, "a release like 0.31.0").default(RUNTIME_DEFAULTS.vllm.version),
        /** For a version the catalog does not list: the CUDA release its PyPI wheel is built for (its release notes say). */
        cuda: z.string().regex(/^\d{2}\.\d$/, "a CUDA release, like 13.0").optional(),
        /** A pip index to install from instead of PyPI (a mirror, a lab's local stand-in). */
        pipIndexUrl: url.optional(),
        /** sha256 of the vllm wheel, checked before it is installed; required with a plain http:// pipIndexUrl, which nothing else authenticates. */
        sha256: sha256.optional(),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (v.pipIndexUrl?.startsWith("http://") && v.sha256 === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["sha256"],
            message: `vLLM from ${v.pipIndexUrl} comes over plain http and is installed as root: give the sha256 of its vllm wheel (sha256sum of the file you checked), or use an https:// index`,
          });
        }
      })
      .prefault({}),
    ollama: z
      .object({
        version: z.string().regex(/^\d+\.\d+\.\d+$/, "a release like 0.40.2").default(RUNTIME_DEFAULTS.ollama.version),
        /** Release archive; default the catalog's (from 0.14.0 ollama-linux-amd64.tar.zst, before .tgz). */
        url: url.optional(),
        /** sha256 of the archive, checked before it is unpacked; the catalog's for a listed version, required otherwise or with url. */
        sha256: sha256.optional(),
      })
      .strict()
      .superRefine(needsChecksum("Ollama", CATALOG.ollama))
      .superRefine(ollamaAssetFormat)
      .prefault({}),
    llamaCpp: z
      .object({
        /** A llama.cpp release tag (`b10003`), built from source with CUDA. */
        version: z.string().regex(/^b\d+$/, "a release tag like b10003").default(RUNTIME_DEFAULTS.llamaCpp.version),
        /** Source tarball; default the catalog's (https://github.com/ggml-org/llama.cpp/archive/refs/tags/<version>.tar.gz for others). */
        url: url.optional(),
        /** sha256 of the source tarball; the catalog's for a listed tag, required otherwise or with url. */
        sha256: sha256.optional(),
        /** CMAKE_CUDA_ARCHITECTURES; default the catalog's for the tag (120a: Blackwell workstation silicon with its MXFP4 instructions). */
        cudaArchitectures: z.string().regex(/^[0-9;a-z-]+$/).optional(),
        /** A llama-server already on the host: no build, this binary is run. */
        binary: absPath.optional(),
      })
      .strict()
      .superRefine(needsChecksum("llama.cpp", CATALOG.llamaCpp))
      .prefault({}),
  })
  .strict();

export const inferenceSchema = z
  .object({
    services: z.array(inferenceServiceSchema).default([]),
    runtimes: runtimesSchema.prefault({}),
    /** Model weights live here, on the data volume; the backup's default excludes skip it. */
    modelsDir: absPath.default("/data/models"),
    /** System RAM kept for the OS and the runtimes' own processes; the rest may hold offloaded layers. */
    ramReserveGB: z.number().min(0).max(512).default(16),
    /** vLLM and llama.cpp require the stack secret `inferenceApiKey` on their OpenAI APIs (Ollama has no key: keep it on 127.0.0.1). */
    apiKey: z.boolean().default(true),
    /** Gated Hugging Face repos (meta-llama/...): the stack secret `huggingFaceToken` becomes HF_TOKEN for vLLM and llama.cpp. */
    huggingFaceToken: z.boolean().default(false),
  })
  .strict()
  .superRefine(checkServices);

export type InferenceService = z.infer<typeof inferenceServiceSchema>;
export type InferenceConfig = z.infer<typeof inferenceSchema>;
export type RuntimesConfig = z.infer<typeof runtimesSchema>;

/** Rules within the inference section; GPU indexes and ports are checked against the whole profile in rules.ts. */
function checkServices(cfg: { services: InferenceService[]; apiKey: boolean }, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const names = new Map<string, number>();
  cfg.services.forEach((s, i) => {
    const at = (...p: (string | number)[]) => ["services", i, ...p];
    const first = names.get(s.name);
    if (first !== undefined) issue(at("name"), `the name ${s.name} is already used by inference.services.${first}`);
    names.set(s.name, i);

    if (!RUNTIME_QUANTIZATIONS[s.runtime].includes(s.quantization)) {
      issue(at("quantization"), `${s.runtime} does not serve ${s.quantization}; it serves ${RUNTIME_QUANTIZATIONS[s.runtime].join(", ")}`);
    }
    if (!RUNTIME_KV_CACHE_TYPES[s.runtime].includes(s.kvCacheType)) {
      issue(at("kvCacheType"), `${s.runtime} has no ${s.kvCacheType} KV cache; it has ${RUNTIME_KV_CACHE_TYPES[s.runtime].join(", ")}`);
    }
    if (s.runtime !== "llama.cpp" && s.gpus.length === 0) {
      issue(at("gpus"), `${s.runtime} needs at least one GPU (list indexes, e.g. [0]); only llama.cpp runs on the CPU alone`);
    }
    if (new Set(s.gpus).size !== s.gpus.length) issue(at("gpus"), "a GPU is listed twice");
    if (s.memoryFraction !== undefined && s.runtime !== "vllm") {
      issue(at("memoryFraction"), `only vLLM takes a fixed fraction of the GPU; ${s.runtime} uses what the model needs`);
    }
    for (const key of ["gpuLayers", "tensorSplit"] as const) {
      if (s[key] !== undefined && s.runtime !== "llama.cpp") issue(at(key), `${key} is a llama.cpp setting; ${s.runtime} does not take it`);
    }
    for (const key of ["keepAlive", "pull"] as const) {
      if (s[key] !== undefined && s.runtime !== "ollama") issue(at(key), `${key} is an Ollama setting; ${s.runtime} does not take it`);
    }
    if (s.tensorSplit && s.tensorSplit.length !== s.gpus.length) {
      issue(at("tensorSplit"), `one proportion per GPU: gpus lists ${s.gpus.length}, tensorSplit ${s.tensorSplit.length}`);
    }
    checkServiceSafety(s, cfg.apiKey, at, ctx);
    if (s.runtime === "llama.cpp" && s.gpus.length === 0 && s.gpuLayers !== undefined && s.gpuLayers > 0) {
      issue(at("gpuLayers"), "no GPUs are listed, so no layer can be on a GPU; set gpus or gpuLayers: 0");
    }
  });
}

/**
 * A model in profiles/catalog/models.yaml: the architecture figures the VRAM formulas need
 * and the bits per weight of each quantization it is served in.
 */
export const modelSpecSchema = z
  .object({
    name: nonEmptyText(),
    /** Parameters in billions; for a mixture of experts, all experts (what must be held). */
    paramsB: z.number().positive(),
    /** Mixture of experts: parameters one token reads (what bounds tokens per second). */
    activeParamsB: z.number().positive().optional(),
    experts: z.object({ total: z.number().int().positive(), perToken: z.number().int().positive() }).strict().optional(),
    layers: z.number().int().positive(),
    hiddenSize: z.number().int().positive(),
    attentionHeads: z.number().int().positive(),
    kvHeads: z.number().int().positive(),
    headDim: z.number().int().positive(),
    /** DeepSeek's multi-head latent attention: the KV cache holds one compressed vector per layer and token. */
    mla: z.object({ kvLoraRank: z.number().int().positive(), ropeHeadDim: z.number().int().positive() }).strict().optional(),
    /** The longest context the model was trained for. */
    maxContext: z.number().int().positive(),
    /** Bits per weight of each quantization the model is served in, embeddings and all. */
    bitsPerWeight: z.partialRecord(z.enum(QUANTIZATIONS), z.number().positive().max(32)),
    notes: text().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.experts === undefined) !== (m.activeParamsB === undefined)) {
      ctx.addIssue({ code: "custom", path: ["activeParamsB"], message: "a mixture of experts states both experts and activeParamsB; a dense model neither" });
    }
    if (m.activeParamsB !== undefined && m.activeParamsB > m.paramsB) {
      ctx.addIssue({ code: "custom", path: ["activeParamsB"], message: "active parameters cannot exceed the total" });
    }
    if (Object.keys(m.bitsPerWeight).length === 0) {
      ctx.addIssue({ code: "custom", path: ["bitsPerWeight"], message: "list at least one quantization" });
    }
  });

export type ModelSpec = z.infer<typeof modelSpecSchema>;
