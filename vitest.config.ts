import { defineConfig } from "vitest/config";

// Unit and program tests run by default; the VM end-to-end suite has its own config
// (vitest.e2e.config.ts) because it boots a real guest and takes minutes.
export default defineConfig({
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/program/**/*.test.ts"],
    // Generous: some tests shellcheck every rendered script of every profile, on two cores that
    // may be busy with other work. A timeout here is a hang guard, never a speed target.
    testTimeout: 120_000,
    // Prints one line at the end naming the packages whose tests skipped on this machine.
    globalSetup: ["tests/helpers/systemToolsSummary.ts"],
  },
});
