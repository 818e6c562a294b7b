import { describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WHO_USES, quiesceScript, resumeScript, unmountScript, unquiesceScript } from "../../../src/switch/quiesce.js";
import { shellcheck } from "../../helpers/lint.js";

const bash = (script: string) => execFileSync("bash", ["-c", `set -euo pipefail\n${WHO_USES}\n${script}`], { encoding: "utf8" });

describe("quiescing the old layout", () => {
  it("every script it runs on the host is clean under shellcheck", () => {
    const mounts = ["/data", "/data/models", "/scratch"];
    for (const [name, s] of Object.entries({ quiesce: quiesceScript(["aiws-backup.timer", "aiws-vllm-chat.service"], mounts), unmount: unmountScript(mounts), back: unquiesceScript(mounts), resume: resumeScript() })) {
      expect(shellcheck(`set -euo pipefail\n${s}`, `${name}.sh`), name).toBe("");
    }
  });

  it("unmounts nested mountpoints first and mounts them back in the reverse order", () => {
    expect(unmountScript(["/data", "/data/models", "/scratch"])).toContain("for m in '/data/models' '/scratch' '/data'; do");
    expect(unquiesceScript(["/data", "/data/models", "/scratch"])).toContain("for m in '/data' '/scratch' '/data/models'; do");
  });

  it("names the process that holds a file open under the mountpoint, with its unit when it has one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiws-quiesce-"));
    writeFileSync(join(dir, "weights.bin"), "x");
    const holder = spawn("bash", ["-c", `exec 3>>${join(dir, "weights.bin")}; exec sleep 30`], { stdio: "ignore" });
    try {
      // Until the holder has the file open (its exec of sleep keeps fd 3).
      let out = "";
      for (let i = 0; i < 50 && !out.includes(`process ${holder.pid} `); i++) {
        out = bash(`aiws_writers ${dir}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toMatch(new RegExp(`process ${holder.pid} \\(sleep(, [^)]+\\.(service|scope))?\\)`));
      expect(bash(`aiws_writers ${join(dir, "elsewhere")}`)).toContain("no process found");
    } finally {
      holder.kill();
    }
  });

  it("finds the processes whose mount namespace holds a device, and none for a device nobody mounts", () => {
    const rootDevice = execFileSync("awk", ["$5 == \"/\" { print $3; exit }", "/proc/self/mountinfo"], { encoding: "utf8" }).trim();
    expect(bash(`aiws_ns_holders ${rootDevice}`)).toMatch(/^process \d+ \(/);
    expect(bash("aiws_ns_holders 4095:4095").trim()).toBe("");
  });
});
