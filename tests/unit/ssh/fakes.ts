import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Stand-ins for the Pulumi CLI and ssh, first on PATH, for the commands that take `--stack`:
 * `pulumi` answers from a config as `pulumi config --json` prints it (secrets hidden) and
 * `pulumi config get KEY` (one secret); `ssh` logs its arguments and what the agent it was
 * given holds, then answers as the host would (or fails to connect, with FAKE_SSH=down).
 */
export interface Fakes {
  /** Holds bin/ (the stand-ins), the logs and the stack's answers: outside `tmp`. */
  readonly dir: string;
  /** The TMPDIR the command runs with: every file it leaves behind is in here. */
  readonly tmp: string;
  readonly privateKey: string;
  readonly publicKey: string;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  pulumiCalls(): string[];
  sshCalls(): string[][];
  /** What `ssh-add -L` listed in the agent ssh was pointed at, once per call. */
  agentKeys(): string[];
}

const FAKE_PULUMI = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_DIR/pulumi.log"
case "$1 $2" in
  "config --json") cat "$FAKE_DIR/config.json" ;;
  "config get")
    if [ "$3" = aiws:sshPrivateKey ]; then cat "$FAKE_DIR/secret"; else echo "error: configuration key '$3' not found for stack" >&2; exit 255; fi ;;
  *) echo "fake pulumi: $*" >&2; exit 99 ;;
esac
`;

const FAKE_SSH = `#!/usr/bin/env bash
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >>"$FAKE_DIR/ssh.log"
for a in "$@"; do [ "$a" = -O ] && exit 0; done
sock=""
for a in "$@"; do case $a in IdentityAgent=*) sock=\${a#IdentityAgent=} ;; esac; done
if [ -n "$sock" ]; then SSH_AUTH_SOCK=$sock ssh-add -L >>"$FAKE_DIR/agent.log" 2>&1; else echo "no agent" >>"$FAKE_DIR/agent.log"; fi
if [ "\${FAKE_SSH:-}" = down ]; then echo "ssh: connect to host ws.lan port 22: Connection refused" >&2; exit 255; fi
script=$(cat)
# A drift batch: every step's check reports "in sync".
grep -oE "^echo 'AIWS_[0-9a-f]+ BEGIN [^']+'" <<<"$script" | sed -E "s/^echo '(AIWS_[0-9a-f]+) BEGIN (.*)'$/\\1 BEGIN \\2\\n\\1 END \\2 0/"
exit 0
`;

export function makeFakes(stackConfig: Record<string, string>): Fakes {
  const dir = mkdtempSync(join(tmpdir(), "aiws-fakes-"));
  const tmp = join(dir, "tmp");
  const bin = join(dir, "bin");
  mkdirSync(tmp);
  mkdirSync(bin);
  const keyFile = join(dir, "key");
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "aiws-test", "-f", keyFile]);
  const privateKey = readFileSync(keyFile, "utf8");
  const publicKey = readFileSync(`${keyFile}.pub`, "utf8").trim();
  writeFileSync(join(dir, "secret"), privateKey);
  const json: Record<string, { value?: string; secret: boolean }> = { "aiws:sshPrivateKey": { secret: true } };
  for (const [k, v] of Object.entries(stackConfig)) json[k] = { value: v, secret: false };
  writeFileSync(join(dir, "config.json"), JSON.stringify(json));
  for (const [name, body] of [["pulumi", FAKE_PULUMI], ["ssh", FAKE_SSH]] as const) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  const lines = (f: string) => {
    try {
      return readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };
  return {
    dir,
    tmp,
    privateKey,
    publicKey,
    env: (extra = {}) => ({ ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, TMPDIR: tmp, FAKE_DIR: dir, ...extra }),
    pulumiCalls: () => lines("pulumi.log"),
    sshCalls: () => lines("ssh.log").map((l) => JSON.parse(l) as string[]),
    agentKeys: () => lines("agent.log"),
  };
}
