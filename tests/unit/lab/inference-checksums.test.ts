import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProfile } from "../../../src/profile/load.js";
import { lacks } from "../../helpers/systemTools.js";

/**
 * The lab profiles download the stand-in runtimes from the lab's http server, which a profile
 * may do only with each file's sha256: those must be what lab/inference/build.sh builds
 * (reproducibly), or the lab's converge would refuse the download.
 */
const ROOT = join(import.meta.dirname, "../../..");

describe.skipIf(lacks("zstd", "python3"))("the lab's runtime checksums", () => {
  const out = mkdtempSync(join(tmpdir(), "aiws-lab-inference-"));
  const built = lacks("zstd", "python3") ? { status: 1, stderr: "" } : spawnSync("bash", [join(ROOT, "lab/inference/build.sh"), out], { encoding: "utf8" });
  const sums = new Map(
    built.status === 0
      ? readFileSync(join(out, "SHA256SUMS"), "utf8")
          .trim()
          .split("\n")
          .map((l) => l.split(/\s+/))
          .map(([sum, file]) => [file!.replace(/^\.\//, ""), sum!])
      : [],
  );

  it.each(["lab-raid0", "lab-independent"])("%s names the sha256 of each tarball the lab builds", (name) => {
    expect(built.status, built.stderr).toBe(0);
    const { runtimes } = loadProfile(join(ROOT, `lab/profiles/${name}.yaml`)).profile.inference;
    for (const r of [runtimes.ollama, runtimes.llamaCpp]) {
      const file = r.url!.replace("http://10.200.0.1:8080/inference/", "");
      expect(r.sha256, file).toBe(sums.get(file));
    }
    const wheel = `pypi/files/vllm-${runtimes.vllm.version}-py3-none-any.whl`;
    expect(runtimes.vllm.sha256, wheel).toBe(sums.get(wheel));
  });
});
