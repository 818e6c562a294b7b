/**
 * What every command in scripts/ shares: `--key value` arguments, a usage error that prints
 * one line and the usage (never a stack trace), and the exit status set rather than exited.
 */
export class UsageError extends Error {}

/** Reads `--key value` pairs and bare flags; anything else is a usage error. */
export function parseArgs(argv: readonly string[], flags: readonly string[], options: readonly string[]): { opts: Record<string, string>; flags: Set<string> } {
  const opts: Record<string, string> = {};
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.replace(/^--/, "");
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument ${a}`);
    if (flags.includes(name)) seen.add(name);
    else if (options.includes(name)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      opts[name] = v;
    } else throw new UsageError(`unknown option ${a}`);
  }
  return { opts, flags: seen };
}

/** Runs a command's main and sets its exit status; a UsageError prints `name: why` and the usage, exit 2. */
export async function runCommand(name: string, usage: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${name}: ${e.message}\n${usage}`);
    process.exitCode = 2;
  }
}
