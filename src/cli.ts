/**
 * What every command in scripts/ shares: options parsed by node's `util.parseArgs` from one
 * declaration that also writes `--help`, errors that say what to fix without a stack trace,
 * one `--json` shape, and the exit status set rather than exited.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs as nodeParseArgs } from "node:util";
import { didYouMean } from "./profile/problems.js";

/** The command line is wrong: prints `name: why` and the usage line, exit 2. */
export class UsageError extends Error {}

/**
 * The input is wrong but the command line is right (a stack without a host, a key file that is
 * not there): prints `name: why` without the usage line, exit 2. The message names the fix.
 */
export class InputError extends Error {}

interface OptionSpec {
  readonly type: "string" | "boolean";
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** The value's placeholder in the help (`NAME`, `profiles/NAME.yaml`). */
  readonly value?: string;
  /** What the option does, one line; the help prints it beside the option. */
  readonly help: string;
}

export interface CommandSpec {
  /** The npm script's name (`check`), the prefix of every message. */
  readonly name: string;
  /** How to call it, after `npm run NAME --` (`[--json] [profiles/NAME.yaml ...]`). */
  readonly usage: string;
  /** What it does, a few lines for people. */
  readonly description: string;
  /** Options besides --help (which every command has). */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Positional arguments, name -> meaning; none allowed when absent. */
  readonly positionals?: Readonly<Record<string, string>>;
  /** Exit status -> what it means. */
  readonly exitCodes: Readonly<Record<number, string>>;
  readonly examples?: readonly string[];
}

export interface ParsedArgs {
  readonly opts: Record<string, string | undefined>;
  readonly flags: Set<string>;
  readonly positionals: string[];
}

const HELP: OptionSpec = { type: "boolean", short: "h", help: "show this help and exit" };

/** The one line a usage error prints under its reason. */
function usageLine(spec: CommandSpec): string {
  return `usage: npm run ${spec.name} -- ${spec.usage}  (--help explains every option)`;
}

/** `--help`: what the command does, each argument and option explained, the exit statuses. */
export function helpText(spec: CommandSpec): string {
  const options = { ...spec.options, help: HELP };
  const label = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
  const rows: [string, string][] = [
    ...Object.entries(spec.positionals ?? {}).map(([n, h]): [string, string] => [`    ${n}`, h]),
    ...Object.entries(options).map(([n, o]): [string, string] => [label(n, o), o.help]),
  ];
  const width = Math.min(36, Math.max(...rows.map(([l]) => l.length)));
  const row = ([l, h]: [string, string]) => (l.length > width ? `  ${l}\n  ${" ".repeat(width)}  ${h}` : `  ${l.padEnd(width)}  ${h}`);
  const out = [`usage: npm run ${spec.name} -- ${spec.usage}`, "", spec.description, "", "Arguments and options (--key value or --key=value):", ...rows.map(row)];
  out.push("", "Exit status:", ...Object.entries(spec.exitCodes).map(([c, m]) => `  ${c}  ${m}`));
  if (spec.examples?.length) out.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return out.join("\n");
}

/**
 * Parses argv against the spec with node's `util.parseArgs` (strict: an unknown option, a
 * missing value or a stray argument is a UsageError with a plain message).
 */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs & { help: boolean } {
  const options = { ...spec.options, help: HELP };
  const config = Object.fromEntries(Object.entries(options).map(([n, o]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options: config, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (e) {
    throw new UsageError(parseErrorMessage(e as Error & { code?: string }, argv, Object.keys(options)));
  }
  const opts: Record<string, string | undefined> = {};
  const flags = new Set<string>();
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === "string") opts[k] = v;
    else if (v === true) flags.add(k);
  }
  return { opts, flags, positionals: parsed.positionals, help: flags.has("help") };
}

/** node's parse errors, reworded: which option, and what to do. */
function parseErrorMessage(e: Error & { code?: string }, argv: readonly string[], names: readonly string[]): string {
  const option = /'(-{1,2}[^' =]+)/.exec(e.message)?.[1] ?? "";
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const guess = didYouMean(option.replace(/^-+/, ""), names);
      return `unknown option ${option}${guess ? `; did you mean --${guess}?` : ""}`;
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing|ambiguous/.test(e.message) ? `${option} needs a value (${option} VALUE or ${option}=VALUE)` : `${option} takes no value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const stray = /'([^']+)'/.exec(e.message)?.[1] ?? argv.find((a) => !a.startsWith("-")) ?? "";
      return `unexpected argument ${stray}`;
    }
    default:
      return e.message;
  }
}

/** One shape for every command's --json: the command, its status, its items, then details. */
interface CommandJson {
  readonly command: string;
  readonly status: string;
  readonly items: readonly unknown[];
  readonly [detail: string]: unknown;
}

export function commandJson(command: string, status: string, items: readonly unknown[], details: Record<string, unknown> = {}): CommandJson {
  return { command, status, items, ...details };
}

export function printJson(j: CommandJson): void {
  console.log(JSON.stringify(j, null, 2));
}

/**
 * Runs a command: `--help`/`-h` prints the help (exit 0); a UsageError prints the reason and
 * the usage line, an InputError the reason alone (both exit 2, and with --json also the error
 * as the command's JSON on stdout); anything else is a bug and keeps its stack trace.
 */
export async function runCommand(spec: CommandSpec, main: (args: ParsedArgs) => Promise<number> | number, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const json = argv.includes("--json");
  try {
    const args = parseCommandArgs(spec, argv);
    if (args.help) {
      console.log(helpText(spec));
      process.exitCode = 0;
      return;
    }
    process.exitCode = await main(args);
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof InputError)) throw e;
    console.error(`${spec.name}: ${e.message}${e instanceof UsageError ? `\n${usageLine(spec)}` : ""}`);
    if (json) printJson(commandJson(spec.name, "error", [], { error: e.message }));
    process.exitCode = 2;
  }
}

/** The options every command that reaches a host takes. */
export const TARGET_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  stack: { type: "string", value: "NAME", help: "the Pulumi stack to read the host, user, port, key and profile from (needs the Pulumi CLI)" },
  host: { type: "string", value: "HOST", help: "the workstation's name or address, instead of a stack" },
  user: { type: "string", value: "USER", help: "the SSH login (default: the stack's aiws:user, else root); not root needs passwordless sudo" },
  port: { type: "string", value: "N", help: "the SSH port (default: the stack's aiws:port, else 22)" },
  identity: { type: "string", value: "KEY", help: "the SSH private key file (default: the stack's aiws:sshPrivateKey, else your ssh config)" },
  "host-key": {
    type: "string",
    value: "KEYLINE",
    help: "the host's public key (ssh-ed25519 AAAA...) to pin with --host; without it the host must already be in ~/.ssh/known_hosts (checked strictly). Compare its fingerprint on the workstation's console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub",
  },
};

export const JSON_OPTION: Readonly<Record<string, OptionSpec>> = {
  json: { type: "boolean", help: "print one JSON object on stdout instead: { command, status, items, ... }" },
};

/** The profiles (or roadmaps) a command takes by default: every .yaml/.yml file in `dir`, sorted, relative to the working directory. */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => relative(process.cwd(), join(dir, f)));
}
