import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBash, script } from "./storageBash.js";

/**
 * The checks run every morning as root and probe the downloaded runtimes (`ollama --version`,
 * `llama-server --version`, vLLM's python): each probe runs as the service's own user,
 * unprivileged, so a tampered download never runs as root through a check.
 */
const DIR = join(import.meta.dirname, "../../../src/host/inference");
const LIB = readFileSync(join(DIR, "lib.sh"), "utf8");
const isRoot = process.getuid?.() === 0;
const canSetpriv = spawnSync("setpriv", ["--help"]).status === 0;

describe("runtime probes", () => {
  it.each([
    ["ollama.check.sh", /inf_as "\$OLLAMA_USER" env OLLAMA_HOST=127\.0\.0\.1:9 "\$OLLAMA_PREFIX\/bin\/ollama" --version/],
    ["ollama.apply.sh", /inf_as "\$OLLAMA_USER" env OLLAMA_HOST=127\.0\.0\.1:9 "\$OLLAMA_PREFIX\/bin\/ollama" --version/],
    ["llamacpp.check.sh", /inf_as "\$LLM_USER" "\$LLAMACPP_BINARY" --version/],
    ["vllm.check.sh", /inf_as "\$LLM_USER" "\$VLLM_VENV\/bin\/python" -m pip show vllm/],
  ])("%s runs the runtime as the service's user", (file, probe) => {
    const text = readFileSync(join(DIR, file), "utf8");
    expect(text).toMatch(probe);
    // No other line runs a runtime binary directly.
    const direct = text.split("\n").filter((l) => /(bin\/ollama|LLAMACPP_BINARY"|bin\/python")/.test(l) && !l.includes("inf_as") && !/^\s*(#|\[\[ -x|inf_fail|\[\[ \$)/.test(l.trim()));
    expect(direct).toEqual([]);
  });

  it.skipIf(!isRoot || !canSetpriv)("inf_as drops to the user: its uid, no capabilities, a clean environment", () => {
    const r = runBash(script({}, `${LIB}\nSECRET=root-only inf_as nobody bash -c 'id -u; grep ^CapEff /proc/self/status; echo "secret=\${SECRET:-}"; pwd'\n`));
    expect(r.stderr).toBe("");
    const [uid, caps, secret, cwd] = r.stdout.trim().split("\n");
    expect(uid).toBe(String(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim()));
    expect(caps).toMatch(/^CapEff:\s+0+$/);
    expect(secret).toBe("secret=");
    expect(cwd).toBe("/");
  });
});
