import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkProfileFile, exitCode } from "../../../src/budget/check.js";
import { formatProblem } from "../../../src/profile/problems.js";

const ROOT = join(import.meta.dirname, "../../..");

/** A profile that serves one model on the base build, written to a temp file. */
function serving(model: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aiws-model-"));
  const file = join(dir, "serving.yaml");
  writeFileSync(
    file,
    [
      `extends: ${join(ROOT, "profiles/base.yaml")}`,
      "name: serving",
      "inference:",
      "  services:",
      "    - name: chat",
      "      runtime: vllm",
      `      model: ${model}`,
      "      source: RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8",
      "      quantization: fp8",
      "      contextLength: 8192",
      "      gpus: [0]",
      "      port: 8000",
      "",
    ].join("\n"),
  );
  return file;
}

describe("a model key the catalog does not know", () => {
  it("makes the profile invalid (exit 2), located, with a did-you-mean", () => {
    const r = checkProfileFile(serving("llama-3.1-70B"));
    expect(r.status).toBe("invalid");
    expect(exitCode([r])).toBe(2);
    const lines = r.problems.map(formatProblem);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/serving\.yaml:7:14: inference\.services\.0\.model: unknown model "llama-3\.1-70B"; did you mean llama-3\.1-70b\? \(known in profiles\/catalog\/models\.yaml: .*llama-3\.1-8b/);
  });

  it("a key it knows still loads and is budgeted", () => {
    const r = checkProfileFile(serving("llama-3.1-70b"));
    expect(r.status).not.toBe("invalid");
    expect(r.problems).toEqual([]);
  });
});
