/**
 * `npm run discover -- --host H [--user U] [--port N] [--identity KEY] [--out FILE] [--force] [--json]`
 * Reads the workstation over SSH, read-only (GPUs, CPU, memory, drives by id and serial, OS,
 * kernel, Secure Boot), and writes a draft profile that extends the closest shipped one, with
 * a TODO for each thing no host can tell (PSU, circuit, UPS). Exit 0 drafted, 2 cannot.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SshSession, SSH_FAILED, sshFailure } from "../src/ssh/ssh.js";
import { resolveTarget } from "../src/ssh/target.js";
import { probeScript, splitSections } from "../src/discover/probe.js";
import { hostFacts } from "../src/discover/facts.js";
import { draftProfile } from "../src/discover/draft.js";
import { hardwareDifferences } from "../src/discover/compare.js";
import { tryLoadProfile } from "../src/profile/load.js";
import { loadCatalog } from "../src/profile/catalog.js";
import { formatProblem } from "../src/profile/problems.js";
import { commandJson, InputError, JSON_OPTION, printJson, runCommand, TARGET_OPTIONS, UsageError, type CommandSpec } from "../src/cli.js";

const PROFILES_DIR = fileURLToPath(new URL("../profiles/", import.meta.url));

const DISCOVER: CommandSpec = {
  name: "discover",
  usage: "--host HOST [--user USER] [--port N] [--identity KEY] [--out FILE [--force] | --compare profiles/NAME.yaml] [--json]",
  description: [
    "Reads a workstation over SSH without changing anything (nvidia-smi or lspci, lsblk and",
    "/dev/disk/by-id, dmidecode, /proc/cpuinfo, os-release, mokutil) and writes a draft profile",
    "that extends the closest shipped profile: its GPUs, CPU, memory, drives by id and serial",
    "(and what each holds), and the storage that follows. What no host can tell (the PSU, the",
    "wall circuit, the UPS) is left as TODO, so `npm run check` refuses the draft until you",
    "fill it in. With --compare it writes nothing and says where a profile does not describe",
    "the host (GPU count and models, CPU, memory, the drives it names by serial and id).",
    "dmidecode needs root: log in as root or as a user with passwordless sudo.",
  ].join("\n"),
  options: {
    ...TARGET_OPTIONS,
    out: { type: "string", value: "FILE", help: "where to write the draft (default: profiles/HOSTNAME.yaml)" },
    force: { type: "boolean", help: "overwrite --out when it exists" },
    compare: { type: "string", value: "profiles/NAME.yaml", help: "write nothing: list where this profile does not describe the host (exit 1 when it does not)" },
    ...JSON_OPTION,
  },
  exitCodes: { 0: "the draft was written (--compare: the profile describes the host)", 1: "--compare: the profile does not describe the host", 2: "the host could not be read, the file exists, the profile is invalid, or the command line is wrong" },
  examples: ["npm run discover -- --host 192.168.1.50 --user aiws --identity ~/.ssh/aiws_ed25519"],
};

await runCommand(DISCOVER, async ({ opts, flags }) => {
  if (opts.compare && opts.out) throw new UsageError("--compare writes nothing; drop --out");
  const compare = opts.compare ? tryLoadProfile(opts.compare) : undefined;
  if (compare && !compare.loaded) throw new InputError(`${opts.compare} is invalid:\n  ${compare.problems.map(formatProblem).join("\n  ")}`);
  // Discover needs no profile: it is how the first one is made.
  const target = await resolveTarget({ ...opts, profile: "(not used by discover)" });
  const session = new SshSession(target.ssh);
  let stdout: string;
  try {
    const r = await session.runScript(probeScript(), { timeoutMs: 120_000 });
    if (r.code === SSH_FAILED) throw new InputError(sshFailure(r, session.name));
    if (r.code !== 0) throw new InputError(`the probe failed on ${session.name} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim().split("\n").pop()}`);
    stdout = r.stdout;
  } finally {
    await session.close();
  }
  const facts = hostFacts(splitSections(stdout));
  if (compare?.loaded) {
    const diffs = hardwareDifferences(compare.loaded.profile, facts, loadCatalog().catalog!);
    if (flags.has("json")) printJson(commandJson("discover", diffs.length ? "differs" : "matches", diffs, { host: session.name, profile: opts.compare, facts }));
    else if (diffs.length === 0) console.log(`discover: ${opts.compare} describes ${session.name}: GPUs, CPU, memory and drives match`);
    else console.log([`discover: ${opts.compare} does NOT describe ${session.name}:`, ...diffs.map((d) => `  - ${d}`), "Fix the profile (npm run discover drafts one), or point the stack at the right host."].join("\n"));
    return diffs.length ? 1 : 0;
  }
  const name = facts.hostname.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "workstation";
  const out = resolve(opts.out ?? join(PROFILES_DIR, `${name}.yaml`));
  if (existsSync(out) && !flags.has("force")) throw new InputError(`${relative(process.cwd(), out)} exists: name another with --out FILE, or overwrite it with --force`);
  const draft = draftProfile(facts, { file: out });
  writeFileSync(out, draft.yaml);
  const shown = relative(process.cwd(), out);
  if (flags.has("json")) {
    printJson(commandJson("discover", "drafted", draft.todos, { host: session.name, file: shown, extends: draft.parent, facts }));
    return 0;
  }
  console.log(`discover: ${session.name}: ${facts.os.pretty}, kernel ${facts.kernel}, Secure Boot ${facts.secureBoot}`);
  console.log(`  CPU     ${facts.cpu.name}`);
  console.log(`  memory  ${facts.memory.modules.length} of ${facts.memory.slots} slots${facts.memory.modules[0] ? ` (${facts.memory.modules[0].sizeGB} GB ${facts.memory.modules[0].type})` : ""}${facts.memory.totalGB ? `, ${facts.memory.totalGB} GB seen by the kernel` : ""}`);
  for (const g of facts.gpus) console.log(`  GPU     ${g.pciAddress} ${g.name}${g.uuid ? ` ${g.uuid}` : ""}${g.powerLimitW ? `, power limit ${g.powerLimitW.min}-${g.powerLimitW.max} W (default ${g.powerLimitW.default})` : ""}`);
  if (facts.gpus.length === 0) console.log("  GPU     none found (nvidia-smi and lspci)");
  for (const d of facts.drives) console.log(`  drive   ${d.byId ?? d.path} ${d.model}, ${d.sizeGB} GB, serial ${d.serial || "?"}${d.os ? " (OS drive)" : ""}${d.holds.length && !d.os ? `, holds ${d.holds.join("; ")}` : ""}`);
  console.log(`\nWrote ${shown} (extends ${draft.parent}). Before \`npm run check -- ${shown}\` passes:`);
  for (const t of draft.todos) console.log(`  - ${t}`);
  return 0;
});
