/**
 * `npm run schema`: writes profiles/profile.schema.json, the JSON Schema editors use to
 * complete and validate profile files (each names it on its first line), generated from the
 * zod schema and the catalogs. Run it after changing either; a test fails until you do.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { profileJsonSchema, PROFILE_SCHEMA_FILE } from "../src/profile/jsonSchema.js";
import { runCommand, type CommandSpec } from "../src/cli.js";

const SCHEMA: CommandSpec = {
  name: "schema",
  usage: "(no arguments)",
  description: [
    `Writes ${PROFILE_SCHEMA_FILE}, the JSON Schema of profile files, generated from the zod`,
    "schema (src/profile/schema) and the catalogs' keys. Editors with the YAML language server",
    "(VS Code's YAML extension, Neovim's yamlls) read it from each profile's first line to",
    "complete keys and catalog models and flag mistakes as you type.",
  ].join("\n"),
  options: {},
  exitCodes: { 0: "written", 2: "the command line is wrong, or a catalog is invalid" },
};

await runCommand(SCHEMA, () => {
  const file = fileURLToPath(new URL(`../${PROFILE_SCHEMA_FILE}`, import.meta.url));
  writeFileSync(file, `${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${PROFILE_SCHEMA_FILE}`);
  return 0;
});
