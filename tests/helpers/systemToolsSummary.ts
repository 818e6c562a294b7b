import { missingTools, packagesFor, REQUIRE_ENV } from "./systemTools.js";

/**
 * vitest globalSetup: after the run, one line naming the system packages whose tests were
 * skipped on this machine, and how to install them. Silent when nothing is missing.
 */
export default function setup(): () => void {
  return () => {
    const gone = missingTools();
    if (gone.length === 0 || process.env[REQUIRE_ENV] === "1") return;
    const pkgs = packagesFor(gone);
    console.log(
      `\nSkipped: the tests that need ${gone.join(", ")} (not on PATH). To run them: sudo apt-get install ${pkgs.join(" ")}` +
        ` (${REQUIRE_ENV}=1 turns these skips into failures, as .ci/run does)`,
    );
  };
}
