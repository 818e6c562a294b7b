/**
 * `npm run versions -- [--upstream] [--json] profiles/NAME.yaml`: the profile's pins (driver
 * branch, CUDA, the runtimes its services use) against profiles/catalog/runtimes.yaml's newest
 * and, with --upstream, against upstream's newest release; with what changes in between that
 * aiws knows of. Exit 0 all pins are the catalog's newest, 1 something is newer, 2 a bad
 * profile or command line.
 */
import { tryLoadProfile } from "../src/profile/load.js";
import { formatProblem } from "../src/profile/problems.js";
import { runtimeCatalog } from "../src/profile/runtimeCatalog.js";
import { formatVersions, profilePins, versionRows } from "../src/versions/report.js";
import { PUBLIC_ORIGINS, upstreamVersions } from "../src/versions/upstream.js";
import { commandJson, InputError, JSON_OPTION, printJson, runCommand, UsageError, type CommandSpec } from "../src/cli.js";

const VERSIONS: CommandSpec = {
  name: "versions",
  usage: "[--upstream] [--json] profiles/NAME.yaml",
  description: [
    "Compares the versions a profile pins (NVIDIA driver branch, CUDA, and vLLM, Ollama and",
    "llama.cpp where its services use them) with the newest in profiles/catalog/runtimes.yaml,",
    "and lists what changes between them that aiws knows of (an archive format, a build",
    "dependency, the CUDA a wheel needs) and what aiws does about it. Contacts nothing unless",
    "--upstream is given.",
  ].join("\n"),
  positionals: { "profiles/NAME.yaml": "the profile whose pins to compare" },
  options: {
    ...JSON_OPTION,
    upstream: { type: "boolean", help: "also ask upstream for its newest release (PyPI for vLLM, GitHub for Ollama and llama.cpp; needs internet)" },
    "upstream-origins": { type: "string", value: "PYPI,GITHUB", help: "other origins for those two APIs, comma-separated (a mirror or proxy); default https://pypi.org,https://api.github.com" },
  },
  exitCodes: { 0: "every pin is the catalog's newest (and upstream's, when asked)", 1: "a newer release exists", 2: "the profile is invalid, or the command line is wrong" },
  examples: ["npm run versions -- profiles/quad-gpu.yaml", "npm run versions -- --upstream profiles/quad-gpu.yaml"],
};

await runCommand(VERSIONS, async ({ opts, flags, positionals }) => {
  if (positionals.length !== 1) throw new UsageError(`name exactly one profile (${positionals.length} given)`);
  const file = positionals[0]!;
  const { loaded, problems } = tryLoadProfile(file);
  if (!loaded) throw new InputError(`${file} is not a valid profile:\n${problems.map(formatProblem).join("\n")}`);
  let origins = PUBLIC_ORIGINS;
  if (opts["upstream-origins"] !== undefined) {
    const [pypi, github] = opts["upstream-origins"].split(",");
    if (!pypi || !github || ![pypi, github].every((o) => /^https?:\/\/[^\s/]+$/.test(o))) throw new UsageError("--upstream-origins takes two origins, like https://pypi.org,https://api.github.com");
    origins = { pypi, github };
  }
  const catalog = runtimeCatalog();
  const upstream = flags.has("upstream") ? await upstreamVersions(profilePins(loaded.profile).map((p) => p.component), origins) : {};
  const rows = versionRows(loaded.profile, catalog, upstream);
  const status = rows.every((r) => r.status === "newest" && (r.upstream === undefined || r.upstream === r.pinned)) ? "newest" : "newer-available";
  if (flags.has("json")) printJson(commandJson("versions", status, rows, { profile: file }));
  else console.log(formatVersions(file, rows));
  return status === "newest" ? 0 : 1;
});
