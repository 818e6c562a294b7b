import { defineConfig } from "vitest/config";

// The VM end-to-end suite (tests/e2e): boots the lab (a Debian 12 guest under qemu, a NAS, a
// local apt repository) once per storage layout and converges it with the stack's program
// through the test engine. Needs root and about 23 minutes on two cores; see docs/lab.md.
// The files share one lab (qemu, namespaces, addresses), so they run one after another, and
// each brings the lab down in afterAll, failed or not.
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    fileParallelism: false,
    sequence: { concurrent: false },
    // Hang guards, not speed targets: a fresh converge under emulation on two busy cores can take
    // several times its usual five minutes.
    testTimeout: 45 * 60_000,
    hookTimeout: 10 * 60_000,
    bail: 0,
    reporters: ["verbose"],
    // Progress lines (each step as it finishes, each phase's time) straight to the terminal.
    disableConsoleIntercept: true,
  },
});
