import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProfile } from "../../../src/profile/load.js";
import { inferenceSchema } from "../../../src/profile/schema/inference.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { planSteps, CONCERNS } from "../../../src/host/plan.js";
import { phaseFile, renderScript, secretFileVar } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";
import { GPU_EXEC_TEXT, INFERENCE_STEP_IDS, inferenceConcern, inferenceSteps, modelsMount } from "../../../src/host/inference/index.js";
import { serviceUnit, unitName } from "../../../src/host/inference/units.js";
import { shellcheck, verifyUnits } from "../../helpers/lint.js";

const PROFILES = join(import.meta.dirname, "../../../profiles");
const load = (file: string) => loadProfile(join(PROFILES, file)).profile;

/** The quad-GPU build serving one service of each runtime, every option in use somewhere. */
function mixed(): Profile {
  const p = structuredClone(load("quad-gpu.yaml"));
  p.inference = inferenceSchema.parse({
    huggingFaceToken: true,
    runtimes: { ollama: { url: "http://10.200.0.1/ollama-linux-amd64.tgz", sha256: "a".repeat(64) }, vllm: { pipIndexUrl: "http://10.200.0.1/simple", sha256: "c".repeat(64) } },
    services: [
      { name: "chat", runtime: "vllm", model: "llama-3.1-70b", source: "RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8", quantization: "fp8", contextLength: 16384, gpus: [0, 1], memoryFraction: 0.92, kvCacheType: "fp8", host: "0.0.0.0", port: 8000, extraArgs: ["--enable-prefix-caching"] },
      { name: "small", runtime: "ollama", model: "llama-3.1-8b", source: "llama3.1:8b-instruct-q8_0", quantization: "q8_0", contextLength: 8192, parallel: 4, gpus: [2], port: 11434, keepAlive: "24h", kvCacheType: "q8_0" },
      { name: "big", runtime: "llama.cpp", model: "qwen2.5-72b", source: "/data/models/gguf/qwen2.5-72b-instruct-q4_k_m.gguf", quantization: "q4_k_m", contextLength: 16384, parallel: 2, gpus: [3], gpuLayers: 81, port: 8080 },
    ],
  });
  return p;
}

const serving = () => load("serving-4x70b.yaml");
const ids = (steps: Step[]) => steps.map((s) => s.id);

describe("the steps of a profile that serves models", () => {
  it("four vLLM services: one install, one unit each, clean-up around them", () => {
    const steps = inferenceSteps(serving());
    expect(ids(steps)).toEqual([
      "inference-stale-units",
      "inference-base",
      "inference-secrets",
      "inference-vllm",
      "inference-svc-llama70b-0",
      "inference-svc-llama70b-1",
      "inference-svc-llama70b-2",
      "inference-svc-llama70b-3",
      "inference-stale-runtimes",
    ]);
    expect(steps.every((s) => s.concern === "inference" && s.reboot === "never" && !s.destructive)).toBe(true);
    expect(CONCERNS.at(-1)).toBe(inferenceConcern);
    const plan = planSteps(serving());
    expect(ids(plan.filter((s) => s.concern === "inference"))).toEqual(ids(steps));
    expect(plan.find((s) => s.id === "inference-stale-units")!.after).toEqual(["base-packages", "data-layout", "nvidia-driver", "cuda-toolkit"]);
  });

  it("each service waits for the base, its runtime and the secrets; the old runtimes go last", () => {
    const steps = inferenceSteps(serving());
    const svc = steps.find((s) => s.id === "inference-svc-llama70b-2")!;
    expect(svc.after).toEqual(["inference-base", "inference-vllm", "inference-secrets"]);
    expect(steps.at(-1)!.after).toEqual(ids(steps).filter((i) => i.startsWith("inference-svc-")));
  });

  it("accepts other concerns' steps to wait for", () => {
    const steps = inferenceSteps(serving(), { after: ["nvidia-driver", "cuda-toolkit"] });
    expect(steps[0]!.after).toEqual(["nvidia-driver", "cuda-toolkit"]);
  });

  it("a profile without services keeps only the clean-up steps", () => {
    const steps = inferenceSteps(load("base.yaml"));
    expect(ids(steps)).toEqual([INFERENCE_STEP_IDS.staleUnits, INFERENCE_STEP_IDS.staleRuntimes]);
    expect(steps[0]!.vars.KEEP_UNITS).toBe("");
    expect(steps[1]!.vars.KEEP_DIRS).toBe("");
  });

  it("one step per runtime in use, each install pinned and its source a var", () => {
    const steps = inferenceSteps(mixed());
    expect(ids(steps)).toContain("inference-ollama");
    expect(ids(steps)).toContain("inference-llamacpp");
    const v = (id: string) => steps.find((s) => s.id === id)!.vars;
    expect(v("inference-vllm")).toMatchObject({ VLLM_VERSION: "0.31.0", VLLM_VENV: "/opt/aiws/vllm/0.31.0", VLLM_PIP_INDEX: "http://10.200.0.1/simple", VLLM_SHA256: "c".repeat(64) });
    expect(v("inference-ollama")).toMatchObject({
      OLLAMA_VERSION: "0.40.2",
      OLLAMA_URL: "http://10.200.0.1/ollama-linux-amd64.tgz",
      OLLAMA_SHA256: "a".repeat(64),
      OLLAMA_MODELS_DIR: "/data/models/ollama",
    });
    expect(v("inference-llamacpp")).toMatchObject({
      LLAMACPP_VERSION: "b10003",
      // The catalog's download and recipe for the tag: OpenSSL's headers (libcurl is gone from b7736), 120a for MXFP4.
      LLAMACPP_URL: "https://github.com/ggml-org/llama.cpp/archive/b10003.tar.gz",
      LLAMACPP_SHA256: "592a7c3ba3f8cb0fbb380b7c1be2b4bada97e6a1744c1b9d6424923d522acdc5",
      LLAMACPP_PACKAGES: "build-essential cmake git libssl-dev",
      LLAMACPP_CMAKE_FLAGS: "-DLLAMA_OPENSSL=ON",
      LLAMACPP_BINARY: "/opt/aiws/llama.cpp/b10003/bin/llama-server",
      LLAMACPP_BUILD: "1",
      CUDA_HOME: "/usr/local/cuda-13.0",
      CUDA_ARCHS: "120a",
    });
    expect(inferenceSteps(serving()).find((s) => s.id === "inference-vllm")!.vars.VLLM_PIP_INDEX).toBe("");
  });

  it("model weights stay on the data volume the storage section mounts, which backups exclude", () => {
    const p = serving();
    expect(modelsMount(p)).toBe("/data");
    expect(p.backup!.exclude).toContain("/data/models");
    const svc = inferenceSteps(p).find((s) => s.id === "inference-svc-llama70b-0")!;
    expect(svc.vars.MODELS_MOUNT).toBe("/data");
    expect(svc.vars.UNIT_TEXT).toContain("Environment=HF_HOME=/data/models/huggingface");
    expect(svc.vars.UNIT_TEXT).toContain("RequiresMountsFor=/data/models");
  });

  it("checks ask each runtime's own health endpoint", () => {
    const steps = inferenceSteps(mixed());
    const url = (name: string) => steps.find((s) => s.id === `inference-svc-${name}`)!.vars.HEALTH_URL;
    expect(url("chat")).toBe("http://127.0.0.1:8000/health");
    expect(url("small")).toBe("http://127.0.0.1:11434/api/version");
    expect(url("big")).toBe("http://127.0.0.1:8080/health");
    const check = steps.find((s) => s.id === "inference-svc-chat")!.check;
    expect(check).toMatch(/curl -fsS --max-time "\$HEALTH_TIMEOUT"/);
    expect(check).toMatch(/systemctl is-enabled --quiet "\$UNIT_NAME"/);
  });
});

describe("secrets", () => {
  it("the API key is a stack secret delivered as a file, never in vars, units or argv", () => {
    const steps = inferenceSteps(mixed());
    const sec = steps.find((s) => s.id === "inference-secrets")!;
    expect(sec.secrets).toEqual(["inferenceApiKey", "huggingFaceToken"]);
    expect(sec.vars.API_KEY_VAR).toBe(secretFileVar("inferenceApiKey"));
    expect(sec.vars.SECRET_UNITS).toBe("aiws-vllm-chat.service aiws-llamacpp-big.service");
    for (const s of steps.filter((x) => x.id !== "inference-secrets")) expect(s.secrets).toEqual([]);
    const key = "k3y-that-must-not-leak-0123456789";
    for (const s of steps) {
      if (s.secrets.length === 0) continue;
      const script = renderScript(s, "apply", { inferenceApiKey: key, huggingFaceToken: "hf_token_value_0123456789" });
      // The value travels only inside the here-document that writes the secret file.
      expect(script.split(key)).toHaveLength(2);
      expect(JSON.stringify(s.vars)).not.toContain(key);
    }
    const unit = steps.find((s) => s.id === "inference-svc-chat")!.vars.UNIT_TEXT!;
    expect(unit).toContain("EnvironmentFile=/etc/aiws/inference/secrets.env");
    expect(unit).not.toMatch(/api-key|API_KEY/i);
  });

  it("no secrets step when only Ollama runs (it has no key) or the key is turned off", () => {
    const p = structuredClone(mixed());
    p.inference = { ...p.inference, services: p.inference.services.filter((s) => s.runtime === "ollama") };
    expect(ids(inferenceSteps(p))).not.toContain("inference-secrets");
    const q = structuredClone(serving());
    q.inference = { ...q.inference, apiKey: false };
    const steps = inferenceSteps(q);
    expect(ids(steps)).not.toContain("inference-secrets");
    expect(steps.find((s) => s.id === "inference-svc-llama70b-0")!.vars.UNIT_TEXT).not.toContain("EnvironmentFile");
  });

  it.skipIf(process.getuid?.() !== 0)("apply writes a root-only environment file, check then passes; a changed key fails it", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-inf-sec-"));
    const bin = stubs(dir, { systemctl: 'echo "systemctl $*" >>"$STUB_LOG"' });
    const base = inferenceSteps(serving()).find((s) => s.id === "inference-secrets")!;
    const sec = { ...base, vars: { ...base.vars, SECRETS_ENV: join(dir, "etc/secrets.env") } };
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, "first-key-0123456789abcdef\n");
    const env = { [secretFileVar("inferenceApiKey")]: keyFile, STUB_LOG: join(dir, "log") };
    expect(runPhase(sec, "check", bin, env).status).toBe(1);
    const applied = runPhase(sec, "apply", bin, env);
    expect(applied.stderr).toBe("");
    expect(applied.stdout).not.toContain("first-key");
    const file = join(dir, "etc/secrets.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("VLLM_API_KEY=first-key-0123456789abcdef\nLLAMA_API_KEY=first-key-0123456789abcdef\n");
    expect(readFileSync(join(dir, "log"), "utf8")).toContain("try-restart aiws-vllm-llama70b-0.service");
    expect(runPhase(sec, "check", bin, env).status).toBe(0);
    // The drift check sends no secrets: the file's shape is what it checks then.
    expect(runPhase(sec, "check", bin, { ...env, [secretFileVar("inferenceApiKey")]: "" }).status).toBe(0);
    writeFileSync(keyFile, "second-key-0123456789abcdef");
    const stale = runPhase(sec, "check", bin, env);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("does not hold the stack's current secrets");
    expect(stale.stderr).not.toContain("key-0123");
    writeFileSync(keyFile, "short");
    expect(runPhase(sec, "apply", bin, env).stderr).toMatch(/must be 16 or more/);
  });
});

describe("units", () => {
  const unitOf = (p: Profile, name: string) => serviceUnit(p.inference.services.find((s) => s.name === name)!, p.inference, true, p.nvidia.cudaVersion);

  it("vLLM: the venv's binary through aiws-gpu-exec, tensor parallel, memory fraction, context, port", () => {
    const u = unitOf(mixed(), "chat");
    expect(u).toContain(
      "ExecStart=/opt/aiws/bin/aiws-gpu-exec 0,1 /opt/aiws/vllm/0.31.0/bin/vllm serve RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8 --served-model-name chat " +
        "--host 0.0.0.0 --port 8000 --tensor-parallel-size 2 --gpu-memory-utilization 0.92 --max-model-len 16384 --quantization fp8 --kv-cache-dtype fp8 --enable-prefix-caching",
    );
    expect(u).toContain("User=aiws-llm");
    expect(u).toContain("Restart=on-failure");
    expect(u).toContain("WantedBy=multi-user.target");
    expect(unitName(mixed().inference.services[0]!)).toBe("aiws-vllm-chat.service");
  });

  it("Ollama: its own user, OLLAMA_HOST, models on the data volume, keep-alive, parallel, KV type", () => {
    const u = unitOf(mixed(), "small");
    expect(u).toContain("ExecStart=/opt/aiws/bin/aiws-gpu-exec 2 /opt/aiws/ollama/0.40.2/bin/ollama serve");
    for (const e of [
      "User=ollama",
      "Environment=OLLAMA_HOST=127.0.0.1:11434",
      "Environment=OLLAMA_MODELS=/data/models/ollama",
      "Environment=OLLAMA_KEEP_ALIVE=24h",
      "Environment=OLLAMA_CONTEXT_LENGTH=8192",
      "Environment=OLLAMA_NUM_PARALLEL=4",
      "Environment=OLLAMA_KV_CACHE_TYPE=q8_0",
      "Environment=OLLAMA_FLASH_ATTENTION=1",
      "Restart=always",
    ])
      expect(u).toContain(e);
    expect(u).not.toContain("EnvironmentFile");
  });

  it("llama.cpp: -ngl, the context for every slot, --tensor-split over several GPUs", () => {
    expect(unitOf(mixed(), "big")).toContain(
      "ExecStart=/opt/aiws/bin/aiws-gpu-exec 3 /opt/aiws/llama.cpp/b10003/bin/llama-server --model /data/models/gguf/qwen2.5-72b-instruct-q4_k_m.gguf " +
        "--alias big --host 127.0.0.1 --port 8080 --ctx-size 32768 --parallel 2 --n-gpu-layers 81",
    );
    const p = structuredClone(load("quad-gpu.yaml"));
    p.inference = inferenceSchema.parse({
      runtimes: { llamaCpp: { binary: "/usr/local/bin/llama-server" } },
      services: [
        { name: "split", runtime: "llama.cpp", model: "llama-3.1-405b", source: "bartowski/Meta-Llama-3.1-405B-Instruct-GGUF:Q4_K_M", quantization: "q4_k_m", contextLength: 8192, gpus: [0, 1, 2, 3], tensorSplit: [1, 1, 1, 1.2], port: 8080 },
        { name: "cpu", runtime: "llama.cpp", model: "llama-3.1-8b", source: "/data/models/gguf/8b.gguf", quantization: "q4_k_m", contextLength: 4096, port: 8081 },
      ],
    });
    const split = unitOf(p, "split");
    expect(split).toContain("/usr/local/bin/llama-server --hf-repo bartowski/Meta-Llama-3.1-405B-Instruct-GGUF:Q4_K_M");
    expect(split).toContain("--n-gpu-layers 999 --tensor-split 1,1,1,1.2");
    const cpu = unitOf(p, "cpu");
    expect(cpu).toContain("Environment=CUDA_VISIBLE_DEVICES=\n");
    expect(cpu).toContain("ExecStart=/usr/local/bin/llama-server --model /data/models/gguf/8b.gguf");
    expect(cpu).toContain("--n-gpu-layers 0");
    expect(ids(inferenceSteps(p)).filter((i) => i === "inference-llamacpp")).toHaveLength(1);
    expect(inferenceSteps(p).find((s) => s.id === "inference-llamacpp")!.vars.LLAMACPP_BUILD).toBe("0");
  });

  it("systemd-analyze verify accepts every unit, with the runtimes' binaries as stand-ins", () => {
    const units: Record<string, string> = {};
    for (const p of [mixed(), serving(), load("serving-405b-int4.yaml")]) {
      for (const s of inferenceSteps(p).filter((x) => x.vars.UNIT_NAME)) units[s.vars.UNIT_NAME!] = `${s.vars.UNIT_TEXT}\n`;
    }
    expect(Object.keys(units)).toHaveLength(8);
    expect(verifyUnits(units, { binaries: ["/opt/aiws/bin/aiws-gpu-exec", "/opt/aiws/vllm/0.31.0/bin/vllm", "/opt/aiws/ollama/0.40.2/bin/ollama", "/opt/aiws/llama.cpp/b10003/bin/llama-server"] })).toBe("");
  });

  it("the unit text a step writes is the unit the budget-checked service describes", () => {
    const p = serving();
    const step = inferenceSteps(p).find((s) => s.id === "inference-svc-llama70b-1")!;
    expect(`${step.vars.UNIT_TEXT}\n`).toBe(serviceUnit(p.inference.services[1]!, p.inference, true, p.nvidia.cudaVersion));
    expect(step.vars.UNIT_FILE).toBe("/etc/systemd/system/aiws-vllm-llama70b-1.service");
  });
});

describe("scripts", () => {
  it("every phase of every step is shellcheck-clean as it runs (preamble and all)", () => {
    const all = [...inferenceSteps(mixed()), ...inferenceSteps(serving()), ...inferenceSteps(load("base.yaml"))];
    const seen = new Set<string>();
    for (const s of all) {
      for (const phase of ["check", "apply", "remove"] as const) {
        const text = phaseFile(s, phase);
        if (seen.has(text)) continue;
        seen.add(text);
        expect(shellcheck(text, `${s.id}-${phase}.sh`), `${s.id} ${phase}`).toBe("");
      }
    }
    expect(shellcheck(GPU_EXEC_TEXT, "aiws-gpu-exec")).toBe("");
  });

  it("aiws-gpu-exec names the GPUs by UUID from nvidia-smi and refuses an index that is not there", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-inf-gpu-"));
    const bin = stubs(dir, {
      "nvidia-smi": 'printf "0, GPU-aaaa-0000\\n1, GPU-bbbb-1111\\n2, GPU-cccc-2222\\n3, GPU-dddd-3333\\n"',
    });
    const exe = join(dir, "aiws-gpu-exec");
    writeFileSync(exe, GPU_EXEC_TEXT, { mode: 0o755 });
    const run = (...args: string[]) => spawnSync(exe, args, { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
    const ok = run("1,3", "sh", "-c", 'echo "$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER $0"', "arg0");
    expect(ok.stdout.trim()).toBe("GPU-bbbb-1111,GPU-dddd-3333 PCI_BUS_ID arg0");
    const bad = run("7", "true");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no GPU with index 7/);
  });

  it("the service check says which part is out of line: unit, enablement, state, health", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-inf-svc-"));
    const base = inferenceSteps(serving()).find((s) => s.id === "inference-svc-llama70b-0")!;
    const step: Step = { ...base, vars: { ...base.vars, UNIT_FILE: join(dir, base.vars.UNIT_NAME!) } };
    const bin = stubs(dir, {
      systemctl: [
        'case "$1" in',
        '  show) echo no ;;',
        '  is-enabled) [ -e "$STUB_DIR/enabled" ] ;;',
        '  is-active) if [ -e "$STUB_DIR/active" ]; then echo active; else echo failed; exit 3; fi ;;',
        "esac",
      ].join("\n"),
      curl: '[ -e "$STUB_DIR/healthy" ]',
    });
    const env = { STUB_DIR: dir };
    const check = () => runPhase(step, "check", bin, env).stderr.trim();
    expect(check()).toMatch(/is missing or differs from the profile/);
    writeFileSync(step.vars.UNIT_FILE!, `${step.vars.UNIT_TEXT}\n`);
    expect(check()).toMatch(/is not enabled: it would not come back after a reboot/);
    writeFileSync(join(dir, "enabled"), "");
    expect(check()).toMatch(/aiws-vllm-llama70b-0.service is failed, not running/);
    writeFileSync(join(dir, "active"), "");
    expect(check()).toMatch(/http:\/\/127\.0\.0\.1:8000\/health does not answer 200 within 5s/);
    writeFileSync(join(dir, "healthy"), "");
    expect(runPhase(step, "check", bin, env).status).toBe(0);
  });
});

describe("llama.cpp's build record", () => {
  it("a build against another CUDA toolkit is out of sync: a CUDA change rebuilds llama-server", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-inf-llama-"));
    const base = inferenceSteps(mixed()).find((s) => s.id === "inference-llamacpp")!;
    const prefix = join(dir, "b10003");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    const step: Step = { ...base, vars: { ...base.vars, LLAMACPP_PREFIX: prefix, LLAMACPP_BINARY: join(prefix, "bin/llama-server") } };
    writeFileSync(join(prefix, "bin/llama-server"), "#!/bin/sh\necho version: 1\n", { mode: 0o755 });
    const bin = stubs(dir, { setpriv: 'while [ "$1" != "--" ]; do shift; done; shift; exec "$@"', id: "echo 0" });
    // What an older aiws recorded: no toolkit, so a CUDA change went unnoticed.
    writeFileSync(join(prefix, ".aiws-built"), "b10003 120a\n");
    expect(runPhase(step, "check", bin, {}).status).toBe(1);
    // The same tag built on CUDA 12.8.
    writeFileSync(join(prefix, ".aiws-built"), "b10003 120a /usr/local/cuda-12.8\n");
    const stale = runPhase(step, "check", bin, {});
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`was not built by aiws from llama.cpp b10003 for CUDA architectures 120a with /usr/local/cuda-13.0`);
    writeFileSync(join(prefix, ".aiws-built"), "b10003 120a /usr/local/cuda-13.0\n");
    expect(runPhase(step, "check", bin, {}).status, runPhase(step, "check", bin, {}).stderr).toBe(0);
  });
});

describe("switching profiles", () => {
  it("units of services the profile dropped are stopped and removed; their weights are not touched", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-inf-stale-"));
    const units = join(dir, "units");
    mkdirSync(units);
    for (const u of ["aiws-vllm-llama70b-0.service", "aiws-vllm-old.service", "aiws-llamacpp-gone.service", "other.service"]) writeFileSync(join(units, u), "");
    const bin = stubs(dir, { systemctl: 'echo "systemctl $*" >>"$STUB_LOG"' });
    const base = inferenceSteps(serving())[0]!;
    const stale: Step = { ...base, vars: { ...base.vars, UNIT_DIR: units } };
    const env = { STUB_LOG: join(dir, "log") };
    const before = runPhase(stale, "check", bin, env);
    expect(before.status).toBe(1);
    expect(before.stderr).toMatch(/units left from an earlier profile: aiws-vllm-old.service aiws-llamacpp-gone.service/);
    expect(runPhase(stale, "apply", bin, env).status).toBe(0);
    expect(runPhase(stale, "check", bin, env).status).toBe(0);
    expect(readFileSync(join(dir, "log"), "utf8")).toBe(
      "systemctl disable --now --quiet aiws-vllm-old.service\nsystemctl disable --now --quiet aiws-llamacpp-gone.service\nsystemctl daemon-reload\n",
    );
    expect(readdirSync(units).sort()).toEqual(["aiws-vllm-llama70b-0.service", "other.service"]);
  });

  it("runtime versions no service uses are removed once every service has moved on", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-inf-rt-"));
    const roots = ["vllm", "ollama"].map((r) => join(dir, r));
    for (const d of [...roots.map((r) => join(r, "0.10.0")), join(roots[0]!, "0.31.0"), join(roots[0]!, ".download.x")]) mkdirSync(d, { recursive: true });
    const base = inferenceSteps(serving()).at(-1)!;
    expect(base.vars.KEEP_DIRS).toBe("/opt/aiws/vllm/0.31.0");
    const step: Step = { ...base, vars: { KEEP_DIRS: join(roots[0]!, "0.31.0"), RUNTIME_ROOTS: roots.join(" ") } };
    const bin = stubs(dir, {});
    expect(runPhase(step, "check", bin, {}).stderr).toMatch(/runtime versions the profile no longer uses: .*vllm\/0\.10\.0 .*ollama\/0\.10\.0/);
    expect(runPhase(step, "apply", bin, {}).status).toBe(0);
    expect(runPhase(step, "check", bin, {}).status).toBe(0);
    expect(readdirSync(roots[0]!).sort()).toEqual([".download.x", "0.31.0"]);
    expect(readdirSync(roots[1]!)).toEqual([]);
  });
});

/** Stand-in commands in a bin directory of `dir`; returns the directory. */
function stubs(dir: string, scripts: Record<string, string>): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

function runPhase(step: Step, phase: "check" | "apply" | "remove", bin: string, env: Record<string, string>) {
  const r = spawnSync("bash", ["-c", phaseFile(step, phase)], {
    encoding: "utf8",
    env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` },
    timeout: 20_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
