import { defineConfig } from "vitest/config";

// Unit and program tests run by default; the VM end-to-end suite has its own config
// (vitest.e2e.config.ts) because it boots a real guest and takes minutes.
export default defineConfig({
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/program/**/*.test.ts"],
    testTimeout: 30_000,
    // Prints one line at the end naming the packages whose tests skipped on this machine.
    globalSetup: ["tests/helpers/systemToolsSummary.ts"],
  },
});
