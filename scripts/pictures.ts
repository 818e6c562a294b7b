/**
 * `npm run pictures`: writes the README's pictures (docs/img/*.svg): the budgets of every
 * shipped profile and every roadmap, step by step. Run it after changing a profile, a catalog
 * or the budgets; a test fails while the committed pictures are stale.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pictures, REPOSITORY_ROOT } from "../src/budget/svg/pictures.js";
import { runCommand, type CommandSpec } from "../src/cli.js";

const PICTURES: CommandSpec = {
  name: "pictures",
  usage: "(no arguments)",
  description: "Writes docs/img/*.svg: the budgets of every shipped profile and every roadmap, step by step.\nRun it after changing a profile, a catalog or the budgets.",
  options: {},
  exitCodes: { 0: "the pictures were written", 2: "the command line is wrong" },
};

await runCommand(PICTURES, () => {
  for (const [path, svg] of pictures()) {
    mkdirSync(dirname(join(REPOSITORY_ROOT, path)), { recursive: true });
    writeFileSync(join(REPOSITORY_ROOT, path), svg);
    console.log(`wrote ${path}`);
  }
  return 0;
});
