import type { z } from "zod";

/**
 * What a service may expose, and what its extra flags may not touch. An inference API that
 * anyone on the LAN can reach runs prompts on the owner's GPUs and, for vLLM with remote code,
 * Python from a model repository: so a service listens beyond this machine only with
 * authentication, or when the profile says in so many words that it should not have any.
 */

/** Addresses only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Flags aiws sets itself (from the profile's fields) or that change what the service trusts:
 * `extraArgs` may not give them again, since the runtime would take the last one given.
 */
const RESERVED_FLAGS: Readonly<Record<"vllm" | "llama.cpp", readonly string[]>> = {
  vllm: [
    "--host", "--port", "--api-key", "--served-model-name", "--model", "--tensor-parallel-size", "-tp",
    "--gpu-memory-utilization", "--max-model-len", "--quantization", "-q", "--dtype", "--kv-cache-dtype",
    "--trust-remote-code", "--allowed-local-media-path",
  ],
  "llama.cpp": [
    "--host", "--port", "--api-key", "--api-key-file", "--model", "-m", "--hf-repo", "-hf", "-hfr", "--alias", "-a",
    "--ctx-size", "-c", "--parallel", "-np", "--n-gpu-layers", "-ngl", "--gpu-layers", "--tensor-split", "-ts",
    "--cache-type-k", "-ctk", "--cache-type-v", "-ctv", "--path", "--ssl-key-file", "--ssl-cert-file",
  ],
};

/** The field that sets a reserved flag, when there is one, for the message. */
const FIELD_FOR: Readonly<Record<string, string>> = {
  "--host": "host", "--port": "port", "--api-key": "inference.apiKey", "--api-key-file": "inference.apiKey",
  "--trust-remote-code": "trustRemoteCode", "--max-model-len": "contextLength", "--ctx-size": "contextLength", "-c": "contextLength",
  "--gpu-memory-utilization": "memoryFraction", "--tensor-parallel-size": "gpus", "-tp": "gpus", "--n-gpu-layers": "gpuLayers", "-ngl": "gpuLayers",
  "--tensor-split": "tensorSplit", "-ts": "tensorSplit", "--parallel": "parallel", "-np": "parallel",
};

interface ServiceLike {
  readonly runtime: "vllm" | "ollama" | "llama.cpp";
  readonly host: string;
  readonly extraArgs: readonly string[];
  readonly exposeWithoutAuth: boolean;
  readonly trustRemoteCode: boolean;
}

export function checkServiceSafety(s: ServiceLike, apiKey: boolean, at: (...p: (string | number)[]) => (string | number)[], ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const authenticated = s.runtime !== "ollama" && apiKey;
  if (!isLoopback(s.host) && !authenticated && !s.exposeWithoutAuth) {
    const why = s.runtime === "ollama" ? "Ollama has no authentication" : "inference.apiKey is false, so its API takes no key";
    issue(
      at("host"),
      `${s.host} lets anyone on the network use this service, and ${why}; keep host: 127.0.0.1 (reach it through ssh -L or an authenticating proxy)${s.runtime === "ollama" ? "" : ", set inference.apiKey: true"}, or, to expose it anyway, set exposeWithoutAuth: true`,
    );
  }
  if (s.runtime === "ollama" && s.extraArgs.length > 0) {
    issue(at("extraArgs"), "Ollama takes its settings from the environment aiws writes, not from flags: remove extraArgs");
  }
  if (s.trustRemoteCode && s.runtime !== "vllm") issue(at("trustRemoteCode"), `trustRemoteCode is a vLLM setting; ${s.runtime} does not take it`);
  if (s.runtime === "ollama") return;
  const reserved = RESERVED_FLAGS[s.runtime];
  s.extraArgs.forEach((arg, j) => {
    const flag = reserved.find((f) => arg === f || arg.startsWith(`${f}=`));
    if (!flag) return;
    const field = FIELD_FOR[flag];
    issue(at("extraArgs", j), `${flag} is set by aiws${field ? ` from ${field}` : ""}; extraArgs may not give it again${field ? `: set ${field} instead` : ""}`);
  });
}
