import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeFakes } from "./fakes.js";

/**
 * drift, switch and restore-drill with --stack: the stack's SSH key reaches ssh through a
 * private agent and is never written; nothing that holds it (a file, the agent) outlives the
 * command, whether it succeeds or fails.
 */
const ROOT = join(import.meta.dirname, "../../..");
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...filesUnder(p)] : [p];
  });
}

/** Running ssh-agent processes whose socket is under `dir` (read from /proc: no procps needed). */
function agentsUnder(dir: string): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        return "";
      }
    })
    .filter((cmd) => cmd.startsWith("ssh-agent") && cmd.includes(dir));
}

/** The body of the key (its base64 lines): what any file holding the key would contain. */
function keyBody(privateKey: string): string[] {
  return privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
}

// Exit statuses: switch to the RAID 0 profile is destructive, and the stand-in host reports no
// verified backup, so the answering case is refused (1); drift's first question (does the
// profile describe this host's GPUs and drives?) gets no answer from the stand-in, so it stops
// at "cannot tell" (2) after that connection; an unreachable host is 2 everywhere.
const commands: { name: string; args: string[]; ok: number; down: number }[] = [
  { name: "drift", args: ["scripts/drift.ts", "--stack", "ws"], ok: 2, down: 2 },
  { name: "restore-drill", args: ["scripts/restore-drill.ts", "--stack", "ws"], ok: 0, down: 2 },
  { name: "switch", args: ["scripts/switch.ts", "--stack", "ws", "--to", "profiles/quad-gpu.yaml"], ok: 1, down: 2 },
];

describe("the stack's SSH key is never left behind", () => {
  for (const c of commands) {
    for (const outcome of ["ok", "down"] as const) {
      it(`${c.name}, host ${outcome === "ok" ? "answering" : "unreachable"}: the key went through an agent, and no file or agent holds it afterwards`, () => {
        const f = makeFakes({ "aiws:host": "ws.lan", "aiws:profile": "profiles/base.yaml", "aiws:hostKey": HOST_KEY });
        const r = spawnSync(process.execPath, ["--import", "tsx", ...c.args], {
          cwd: ROOT,
          encoding: "utf8",
          env: f.env(outcome === "down" ? { FAKE_SSH: "down" } : {}),
          timeout: 120_000,
        });
        expect(r.status, r.stderr).toBe(outcome === "ok" ? c.ok : c.down);
        // Only the one secret was decrypted; the config was read without --show-secrets.
        expect(f.pulumiCalls()).toEqual(["config --json --stack ws", "config get aiws:sshPrivateKey --stack ws"]);
        expect(f.pulumiCalls().join(" ")).not.toContain("--show-secrets");
        // ssh got the key from the agent, never as a file (-i).
        const sessions = f.sshCalls().filter((a) => !a.includes("-O"));
        expect(sessions.length).toBeGreaterThan(0);
        for (const a of sessions) expect(a).not.toContain("-i");
        expect(f.agentKeys().every((k) => k === f.publicKey)).toBe(true);
        // Afterwards: nothing under TMPDIR holds the key, and the agent and its socket are gone.
        const body = keyBody(f.privateKey);
        const leftovers = filesUnder(f.tmp).filter((p) => statSync(p).isFile() && body.some((l) => readFileSync(p, "utf8").includes(l)));
        expect(leftovers).toEqual([]);
        expect(filesUnder(f.tmp).filter((p) => p.includes("agent"))).toEqual([]);
        expect(agentsUnder(f.tmp)).toEqual([]);
      });
    }
  }
});
