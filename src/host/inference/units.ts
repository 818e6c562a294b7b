import { sandboxDirectives, type SandboxArgs } from "../sandbox.js";
import { DEFAULT_VLLM_MEMORY_FRACTION, type InferenceConfig, type InferenceService } from "../../profile/schema/inference.js";
import { vllmBuild } from "./releases.js";

/**
 * Where the inference runtimes live on the host and the systemd units that run them: pure
 * text, one unit per service, every runtime started through aiws-gpu-exec so that
 * CUDA_VISIBLE_DEVICES names the service's GPUs by UUID, read from nvidia-smi at each start.
 */

export const PATHS = {
  gpuExec: "/opt/aiws/bin/aiws-gpu-exec",
  confDir: "/etc/aiws/inference",
  secretsEnv: "/etc/aiws/inference/secrets.env",
  unitDir: "/etc/systemd/system",
  vllmRoot: "/opt/aiws/vllm",
  ollamaRoot: "/opt/aiws/ollama",
  llamaCppRoot: "/opt/aiws/llama.cpp",
} as const;

/** vLLM and llama.cpp run as this system user; Ollama as its own `ollama`, as its installer does. */
export const LLM_USER = { name: "aiws-llm", home: "/var/lib/aiws-llm" } as const;
export const OLLAMA_USER = { name: "ollama", home: "/var/lib/ollama" } as const;

export const vllmVenv = (version: string) => `${PATHS.vllmRoot}/${version}`;
export const ollamaPrefix = (version: string) => `${PATHS.ollamaRoot}/${version}`;
export const llamaCppPrefix = (tag: string) => `${PATHS.llamaCppRoot}/${tag}`;

/** The llama-server a service runs: the profile's binary, or the one aiws builds. */
export function llamaServerBinary(cfg: InferenceConfig): string {
  return cfg.runtimes.llamaCpp.binary ?? `${llamaCppPrefix(cfg.runtimes.llamaCpp.version)}/bin/llama-server`;
}

export function unitName(s: InferenceService): string {
  return `aiws-${s.runtime === "llama.cpp" ? "llamacpp" : s.runtime}-${s.name}.service`;
}

export const modelDirs = (cfg: InferenceConfig) => ({
  huggingFace: `${cfg.modelsDir}/huggingface`,
  llamaCpp: `${cfg.modelsDir}/llama.cpp`,
  ollama: `${cfg.modelsDir}/ollama`,
});

/** The address a client on the host uses to reach a service listening on `host`. */
export function localAddress(s: InferenceService): string {
  const h = s.host === "0.0.0.0" ? "127.0.0.1" : s.host === "::" ? "::1" : s.host;
  return h.includes(":") ? `[${h}]` : h;
}

/** The runtime's own health endpoint: vLLM /health, Ollama /api/version, llama.cpp /health (503 while loading). */
export function healthUrl(s: InferenceService): string {
  return `http://${localAddress(s)}:${s.port}${s.runtime === "ollama" ? "/api/version" : "/health"}`;
}

/** Seconds the apply waits for the health endpoint: a first start downloads the weights. */
export function startTimeout(s: InferenceService): number {
  return s.startTimeoutSec ?? (s.runtime === "vllm" ? 3600 : s.runtime === "llama.cpp" ? 1800 : 120);
}

function vllmArgs(s: InferenceService): string[] {
  const args = [
    "serve", s.source,
    "--served-model-name", s.name,
    "--host", s.host,
    "--port", String(s.port),
    "--tensor-parallel-size", String(s.gpus.length),
    "--gpu-memory-utilization", String(s.memoryFraction ?? DEFAULT_VLLM_MEMORY_FRACTION),
    "--max-model-len", String(s.contextLength),
  ];
  // FP8 works on a BF16 checkpoint (quantized at load) and on an FP8 one; AWQ/GPTQ are read from the checkpoint's config.
  if (s.quantization === "fp8") args.push("--quantization", "fp8");
  if (s.quantization === "bf16") args.push("--dtype", "bfloat16");
  if (s.quantization === "fp16") args.push("--dtype", "float16");
  if (s.kvCacheType === "fp8") args.push("--kv-cache-dtype", "fp8");
  if (s.trustRemoteCode) args.push("--trust-remote-code");
  return [...args, ...s.extraArgs];
}

function llamaCppArgs(s: InferenceService): string[] {
  const args = [
    ...(s.source.startsWith("/") ? ["--model", s.source] : ["--hf-repo", s.source]),
    "--alias", s.name,
    "--host", s.host,
    "--port", String(s.port),
    // -c is the whole cache, shared by the slots: each of the `parallel` slots gets contextLength.
    "--ctx-size", String(s.contextLength * s.parallel),
    "--parallel", String(s.parallel),
    "--n-gpu-layers", String(s.gpus.length === 0 ? 0 : (s.gpuLayers ?? 999)),
  ];
  if (s.gpus.length > 1) args.push("--tensor-split", (s.tensorSplit ?? s.gpus.map(() => 1)).join(","));
  if (s.kvCacheType !== "fp16") args.push("--cache-type-k", s.kvCacheType, "--cache-type-v", s.kvCacheType, "--flash-attn", "on");
  return [...args, ...s.extraArgs];
}

interface UnitParts {
  readonly description: string;
  readonly user: string;
  readonly env: readonly string[];
  readonly envFile?: string;
  readonly exec: readonly string[];
  readonly restart: "always" | "on-failure";
  readonly restartSec: number;
  readonly mounts: string;
  /** What the service writes (models, its user's home) and which devices it needs. */
  readonly sandbox: SandboxArgs;
}

function unitText(p: UnitParts): string {
  return [
    "# Written by aiws (src/host/inference); the profile's inference section is the source.",
    "[Unit]",
    `Description=${p.description}`,
    "Wants=network-online.target",
    "After=network-online.target nvidia-persistenced.service",
    `RequiresMountsFor=${p.mounts}`,
    // After a reboot the driver may come up late: keep retrying rather than give up.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=exec",
    `User=${p.user}`,
    `Group=${p.user}`,
    ...p.env.map((e) => `Environment=${e}`),
    ...(p.envFile ? [`EnvironmentFile=${p.envFile}`] : []),
    `ExecStart=${p.exec.join(" ")}`,
    `Restart=${p.restart}`,
    `RestartSec=${p.restartSec}`,
    "TimeoutStopSec=60",
    "LimitNOFILE=65536",
    ...sandboxDirectives(p.sandbox),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The command line: through aiws-gpu-exec with the GPU indexes, or with no GPU at all (llama.cpp on the CPU). */
function onGpus(s: InferenceService, program: string, args: readonly string[]): { exec: string[]; env: string[] } {
  if (s.gpus.length === 0) return { exec: [program, ...args], env: ["CUDA_VISIBLE_DEVICES="] };
  return { exec: [PATHS.gpuExec, s.gpus.join(","), program, ...args], env: [] };
}

/**
 * The unit file for one service. `secrets`: whether the secrets environment file exists (API
 * key, HF token); `cudaVersion`: the profile's, which picks the vLLM build (releases.ts).
 */
export function serviceUnit(s: InferenceService, cfg: InferenceConfig, secrets: boolean, cudaVersion: string): string {
  const dirs = modelDirs(cfg);
  const model = `${s.model} ${s.quantization}`;
  if (s.runtime === "vllm") {
    const v = vllmBuild(cfg.runtimes.vllm, cudaVersion);
    const run = onGpus(s, `${vllmVenv(v)}/bin/vllm`, vllmArgs(s));
    return unitText({
      description: `aiws: vLLM ${v} serving ${s.name} (${model}) on port ${s.port}`,
      user: LLM_USER.name,
      env: [...run.env, `HF_HOME=${dirs.huggingFace}`, "VLLM_NO_USAGE_STATS=1", "DO_NOT_TRACK=1"],
      ...(secrets ? { envFile: PATHS.secretsEnv } : {}),
      exec: run.exec,
      restart: "on-failure",
      restartSec: 10,
      mounts: cfg.modelsDir,
      sandbox: sandboxFor(s, cfg, LLM_USER.home),
    });
  }
  if (s.runtime === "ollama") {
    const v = cfg.runtimes.ollama.version;
    const run = onGpus(s, `${ollamaPrefix(v)}/bin/ollama`, ["serve"]);
    const host = s.host.includes(":") ? `[${s.host}]` : s.host;
    return unitText({
      description: `aiws: Ollama ${v} serving ${s.name} (${model}) on port ${s.port}`,
      user: OLLAMA_USER.name,
      env: [
        ...run.env,
        `OLLAMA_HOST=${host}:${s.port}`,
        `OLLAMA_MODELS=${dirs.ollama}`,
        `OLLAMA_KEEP_ALIVE=${s.keepAlive ?? "-1"}`,
        `OLLAMA_CONTEXT_LENGTH=${s.contextLength}`,
        `OLLAMA_NUM_PARALLEL=${s.parallel}`,
        "OLLAMA_MAX_LOADED_MODELS=1",
        ...(s.gpus.length > 1 ? ["OLLAMA_SCHED_SPREAD=1"] : []),
        ...(s.kvCacheType !== "fp16" ? ["OLLAMA_FLASH_ATTENTION=1", `OLLAMA_KV_CACHE_TYPE=${s.kvCacheType}`] : []),
      ],
      exec: run.exec,
      restart: "always",
      restartSec: 3,
      mounts: cfg.modelsDir,
      sandbox: sandboxFor(s, cfg, OLLAMA_USER.home),
    });
  }
  const run = onGpus(s, llamaServerBinary(cfg), llamaCppArgs(s));
  return unitText({
    description: `aiws: llama.cpp ${cfg.runtimes.llamaCpp.binary ? "server" : cfg.runtimes.llamaCpp.version} serving ${s.name} (${model}) on port ${s.port}`,
    user: LLM_USER.name,
    env: [...run.env, `LLAMA_CACHE=${dirs.llamaCpp}`, `HF_HOME=${dirs.huggingFace}`],
    ...(secrets ? { envFile: PATHS.secretsEnv } : {}),
    exec: run.exec,
    restart: "on-failure",
    restartSec: 10,
    mounts: cfg.modelsDir,
    sandbox: sandboxFor(s, cfg, LLM_USER.home),
  });
}

/** A service writes its models and its user's home (caches, Ollama's key); a CPU-only one sees no devices. */
function sandboxFor(s: InferenceService, cfg: InferenceConfig, home: string): SandboxArgs {
  return { readWritePaths: [cfg.modelsDir, `-${home}`], devices: s.gpus.length > 0 ? "gpu" : "none" };
}
