import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A private ssh-agent holding one key that came from memory (a Pulumi secret): the key never
 * touches the disk. The agent listens on a socket in a 0700 directory of its own; ssh reaches
 * it with IdentityAgent. It is stopped, and its directory removed, by stop(), and also when
 * the process exits or is interrupted (SIGINT, SIGTERM, SIGHUP), so nothing that could hand
 * out the key outlives the command. Should this process be killed outright (SIGKILL), the key
 * expires from the agent after KEY_LIFETIME_S anyway.
 */

/** Long enough for a switch that waits out reboots (up to about 40 minutes each). */
const KEY_LIFETIME_S = 4 * 3600;

const live = new Set<PrivateAgent>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const a of live) a.stopNow();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const a of live) a.stopNow();
      // Die of the same signal, as the default handler this one replaced would have.
      process.kill(process.pid, signal);
    });
  }
}

export class PrivateAgent {
  private readonly dir = mkdtempSync(join(tmpdir(), "aiws-agent-"));
  readonly socket = join(this.dir, "agent.sock");
  private child?: ChildProcess;

  /** Starts the agent and adds the key; throws with ssh-add's words when the key is refused. */
  static async start(privateKey: string): Promise<PrivateAgent> {
    installExitHooks();
    const agent = new PrivateAgent();
    live.add(agent);
    try {
      await agent.run(privateKey);
      return agent;
    } catch (e) {
      agent.stopNow();
      throw e;
    }
  }

  private async run(privateKey: string): Promise<void> {
    // -D: stay in the foreground, a child of this process, so its pid is known and it can be stopped.
    this.child = spawn("ssh-agent", ["-D", "-a", this.socket], { stdio: "ignore" });
    const failed = new Promise<never>((_, reject) => this.child!.once("error", (e) => reject(new Error(`cannot start ssh-agent: ${e.message}`))));
    const ready = (async () => {
      for (let i = 0; i < 100 && !existsSync(this.socket); i++) await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(this.socket)) throw new Error("ssh-agent did not open its socket within 5 s");
    })();
    await Promise.race([ready, failed]);
    const key = privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`;
    await new Promise<void>((resolve, reject) => {
      const add = spawn("ssh-add", ["-q", "-t", String(KEY_LIFETIME_S), "-"], { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, SSH_AUTH_SOCK: this.socket } });
      let err = "";
      add.stderr.on("data", (d: Buffer) => (err += d.toString()));
      add.on("error", (e) => reject(new Error(`cannot run ssh-add: ${e.message}`)));
      add.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`the stack's SSH key was refused by ssh-add: ${err.trim() || `exit ${code}`}`))));
      add.stdin.end(key);
    });
  }

  /** Stops the agent (its key goes with it) and removes its directory; safe to call twice. */
  stopNow(): void {
    if (this.child?.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        this.child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}
