import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUNTIME_DEFAULTS, runtimesSchema } from "../../../src/profile/schema/inference.js";
import { runBash, script } from "../host/storageBash.js";

/** A download the profile chooses (another version, another URL) is run as root only with its sha256. */
const SUM = "a".repeat(64);

function problems(runtimes: unknown) {
  const r = runtimesSchema.safeParse(runtimes);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("runtime downloads", () => {
  it.each([
    ["ollama", { url: "http://mirror.lan/ollama.tgz" }, "ollama.sha256: Ollama from url http://mirror.lan/ollama.tgz is downloaded and run as root"],
    ["ollama", { url: "https://mirror.lan/ollama.tgz" }, "ollama.sha256: Ollama from url https://mirror.lan/ollama.tgz"],
    ["ollama", { version: "0.13.0" }, "ollama.sha256: Ollama from version 0.13.0"],
    ["llamaCpp", { url: "http://mirror.lan/b6700.tar.gz" }, "llamaCpp.sha256: llama.cpp from url http://mirror.lan/b6700.tar.gz"],
    ["llamaCpp", { version: "b7000" }, "llamaCpp.sha256: llama.cpp from version b7000"],
  ])("%s %j without a sha256 is refused", (runtime, over, message) => {
    expect(problems({ [runtime]: over }).join("\n")).toContain(message);
  });

  it("accepts an override with its sha256, and aiws's defaults as they are", () => {
    expect(problems({ ollama: { url: "http://mirror.lan/ollama.tgz", sha256: SUM }, llamaCpp: { version: "b7000", sha256: SUM } })).toEqual([]);
    expect(problems({ ollama: { version: RUNTIME_DEFAULTS.ollama.version } })).toEqual([]);
    expect(problems({})).toEqual([]);
  });

  it("vLLM from a plain-http index needs the wheel's sha256; an https index does not", () => {
    expect(problems({ vllm: { pipIndexUrl: "http://mirror.lan/simple/" } }).join("\n")).toContain(
      "vllm.sha256: vLLM from http://mirror.lan/simple/ comes over plain http and is installed as root: give the sha256 of its vllm wheel",
    );
    expect(problems({ vllm: { pipIndexUrl: "http://mirror.lan/simple/", sha256: SUM } })).toEqual([]);
    expect(problems({ vllm: { pipIndexUrl: "https://mirror.lan/simple/" } })).toEqual([]);
  });

  it("the install scripts refuse plain http without a sha256 too", () => {
    const lib = readFileSync(join(import.meta.dirname, "../../../src/host/inference/lib.sh"), "utf8");
    const r = runBash(script({}, `${lib}\ninf_download http://mirror.lan/x.tgz /tmp/x.tgz ""\n`), { stubs: { curl: "echo curl ran >&2; exit 0" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refusing to download http://mirror.lan/x.tgz over plain http without a sha256");
    expect(r.stderr).not.toContain("curl ran");
  });
});
