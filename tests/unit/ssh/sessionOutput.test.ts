import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SshSession } from "../../../src/ssh/ssh.js";

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe("SshSession output", () => {
  it("a character whose bytes arrive in two chunks comes back whole", async () => {
    const bin = mkdtempSync(join(tmpdir(), "aiws-ssh-chunks-"));
    // "é" is C3 A9 in UTF-8: ssh writes the first byte, pauses, then the second.
    writeFileSync(join(bin, "ssh"), "#!/bin/sh\ncat >/dev/null\nprintf 'caf\\303'\nsleep 0.3\nprintf '\\251\\n'\nprintf '\\342\\200' >&2\nsleep 0.3\nprintf '\\224\\n' >&2\n", { mode: 0o755 });
    chmodSync(join(bin, "ssh"), 0o755);
    process.env.PATH = `${bin}:${savedPath ?? ""}`;
    const s = new SshSession({ host: "ws.lan", port: 22, user: "root", trust: { kind: "insecure" } });
    try {
      const r = await s.runScript("true\n");
      expect(r.stdout).toBe("café\n");
      expect(r.stderr).toBe("—\n");
    } finally {
      await s.close();
    }
  });
});
