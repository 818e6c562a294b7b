import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { tryLoadProfile } from "../../../src/profile/load.js";
import { formatProblem } from "../../../src/profile/problems.js";
import { serviceUnit } from "../../../src/host/inference/units.js";

/** A service that listens beyond the machine needs authentication; extraArgs cannot undo what aiws sets. */
const PROFILES = join(import.meta.dirname, "../../../profiles");

function loadWith(service: string, top = "") {
  const dir = mkdtempSync(join(tmpdir(), "aiws-svc-"));
  const file = join(dir, "p.yaml");
  const lines = service.split("\n").filter(Boolean).map((l) => `      ${l}`).join("\n");
  writeFileSync(file, `extends: ${relative(dir, join(PROFILES, "quad-gpu.yaml"))}\nname: test\ninference:\n${top}  services:\n    - name: s\n      model: llama-3.1-70b\n      contextLength: 8192\n      gpus: [0]\n      port: 8000\n${lines}\n`);
  const r = tryLoadProfile(file);
  return { ...r, text: r.problems.map(formatProblem).join("\n") };
}

const ollama = "runtime: ollama\nsource: llama3.1:70b\nquantization: q4_k_m";
const vllm = "runtime: vllm\nsource: org/model\nquantization: fp8";
const llama = "runtime: llama.cpp\nsource: /data/models/m.gguf\nquantization: q4_k_m";

describe("who may reach a service", () => {
  it("refuses Ollama on 0.0.0.0 (it has no authentication), at the host line, with the ways out", () => {
    const { loaded, problems } = loadWith(`${ollama}\nhost: 0.0.0.0`);
    expect(loaded).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "inference.services.0.host", line: 13 });
    expect(problems[0]!.message).toMatch(/Ollama has no authentication; keep host: 127\.0\.0\.1 .* set exposeWithoutAuth: true$/);
  });

  it("refuses vLLM and llama.cpp on a LAN address without the API key", () => {
    for (const s of [vllm, llama]) {
      const { text } = loadWith(`${s}\nhost: 192.168.1.50`, "  apiKey: false\n");
      expect(text).toContain("inference.apiKey is false");
    }
  });

  it("accepts loopback, an authenticated service, or the explicit opt-out", () => {
    expect(loadWith(`${ollama}\nhost: 127.0.0.1`).text).toBe("");
    expect(loadWith(`${vllm}\nhost: 0.0.0.0`).text).toBe("");
    expect(loadWith(`${ollama}\nhost: 0.0.0.0\nexposeWithoutAuth: true`).text).toBe("");
  });
});

describe("extraArgs", () => {
  it.each([
    [vllm, "--host=0.0.0.0", "--host is set by aiws from host"],
    [vllm, "--trust-remote-code", "--trust-remote-code is set by aiws from trustRemoteCode"],
    [vllm, "--api-key=x", "--api-key is set by aiws from inference.apiKey"],
    [llama, "--port", "--port is set by aiws from port"],
    [llama, "-ngl", "-ngl is set by aiws from gpuLayers"],
  ])("refuses a flag aiws sets (%#: %s)", (s, arg, message) => {
    const { problems } = loadWith(`${s}\nextraArgs: ["${arg}"]`);
    expect(problems.map((p) => p.path)).toEqual(["inference.services.0.extraArgs.0"]);
    expect(problems[0]!.message).toContain(message);
  });

  it("refuses extraArgs for Ollama, which takes none", () => {
    expect(loadWith(`${ollama}\nextraArgs: ["--verbose"]`).text).toContain("Ollama takes its settings from the environment");
  });

  it("lets trustRemoteCode add the flag, for vLLM only", () => {
    const { loaded } = loadWith(`${vllm}\ntrustRemoteCode: true`);
    const inf = loaded!.profile.inference;
    expect(serviceUnit(inf.services[0]!, inf, true, "13.0")).toMatch(/ExecStart=.* --trust-remote-code$/m);
    expect(loadWith(`${llama}\ntrustRemoteCode: true`).text).toContain("trustRemoteCode is a vLLM setting");
  });
});
