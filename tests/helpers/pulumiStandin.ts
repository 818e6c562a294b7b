import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A stand-in for the Pulumi CLI, for `npm run init`'s tests here and on the lab, where the real
 * CLI cannot be installed (it downloads itself). It answers the commands init runs (stack
 * select and init, config set with and without --secret, config --json) and keeps what it was
 * given: every command line in pulumi.log, the stack's config (a value from the command line,
 * or from stdin when the line has none, less one trailing newline, as pulumi config set reads
 * it: cmdutil.RemoveTrailingNewline in github.com/pulumi/pulumi) in config.json.
 */
export interface PulumiStandin {
  /** The directory to put first on PATH. */
  readonly bin: string;
  /** Every command line pulumi was run with, one per line. */
  commands(): string;
  /** The stack's config as set: each key's value and whether it was set as a secret. */
  config(): Record<string, { value: string; secret: boolean }>;
}

const SCRIPT = (dir: string) => `#!/usr/bin/env python3
import json, os, sys
DIR = ${JSON.stringify(dir)}
args = sys.argv[1:]
with open(os.path.join(DIR, "pulumi.log"), "a") as log:
    log.write(" ".join(args) + "\\n")
rest = [a for i, a in enumerate(args) if a != "--stack" and (i == 0 or args[i - 1] != "--stack")]
store = os.path.join(DIR, "config.json")
config = json.load(open(store)) if os.path.exists(store) else {}
if rest[:2] == ["stack", "select"]:
    if not os.path.exists(os.path.join(DIR, "stack")):
        print("error: no stack named " + args[-1] + " found", file=sys.stderr)
        sys.exit(255)
elif rest[:2] == ["stack", "init"]:
    open(os.path.join(DIR, "stack"), "w").close()
elif rest[:2] == ["config", "set"]:
    secret = "--secret" in rest
    kv = [a for a in rest[2:] if a != "--secret"]
    value = kv[1] if len(kv) > 1 else sys.stdin.read()
    if len(kv) == 1 and value.endswith("\\n"):
        value = value[:-1]
    config[kv[0]] = {"value": value, "secret": secret}
    json.dump(config, open(store, "w"))
elif rest == ["config", "--json"]:
    print(json.dumps({k: ({"secret": True} if v["secret"] else {"value": v["value"], "secret": False}) for k, v in config.items()}))
else:
    print("pulumi stand-in: " + " ".join(args), file=sys.stderr)
    sys.exit(99)
`;

export function pulumiStandin(dir: string): PulumiStandin {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "pulumi"), SCRIPT(dir));
  chmodSync(join(bin, "pulumi"), 0o755);
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : "");
  return { bin, commands: () => read("pulumi.log"), config: () => JSON.parse(read("config.json") || "{}") as ReturnType<PulumiStandin["config"]> };
}
