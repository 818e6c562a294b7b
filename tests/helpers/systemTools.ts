import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { TestRunner } from "vitest";

/**
 * The system tools some tests run for real, and the Debian package that brings each. A fresh
 * machine may lack them: those tests skip (and one line at the end of the run names the
 * packages); `AIWS_REQUIRE_SYSTEM_TOOLS=1` (set by .ci/run) makes a missing tool a failure,
 * so CI always runs everything.
 */
export const SYSTEM_TOOLS = {
  shellcheck: "shellcheck",
  "systemd-analyze": "systemd",
  restic: "restic",
  "mkfs.xfs": "xfsprogs",
  xfs_db: "xfsprogs",
  "mkfs.ext4": "e2fsprogs",
  "dpkg-scanpackages": "dpkg-dev",
  "dpkg-deb": "dpkg",
  gpg: "gnupg",
  gpgv: "gpgv",
  python3: "python3",
  zstd: "zstd",
} as const;

export type SystemTool = keyof typeof SYSTEM_TOOLS;

export const REQUIRE_ENV = "AIWS_REQUIRE_SYSTEM_TOOLS";

/** Whether `tool` is an executable file in one of PATH's directories (what spawn would find). */
export function hasTool(tool: string, path = process.env.PATH ?? ""): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The packages that bring these tools, each once, in order. */
export function packagesFor(tools: readonly SystemTool[]): string[] {
  return [...new Set(tools.map((t) => SYSTEM_TOOLS[t]))];
}

/** Every known tool this machine lacks. */
export function missingTools(path = process.env.PATH ?? ""): SystemTool[] {
  return (Object.keys(SYSTEM_TOOLS) as SystemTool[]).filter((t) => !hasTool(t, path));
}

function requireMessage(gone: readonly SystemTool[]): string {
  return `${REQUIRE_ENV}=1 and ${gone.join(", ")} not found on PATH: apt-get install ${packagesFor(gone).join(" ")} (.ci/run does)`;
}

/**
 * For `describe.skipIf(lacks("restic"))`: true when a tool is missing, so the tests skip.
 * Under AIWS_REQUIRE_SYSTEM_TOOLS=1 a missing tool throws instead, and the file fails.
 */
export function lacks(...tools: SystemTool[]): boolean {
  const gone = tools.filter((t) => !hasTool(t));
  if (gone.length > 0 && process.env[REQUIRE_ENV] === "1") throw new Error(requireMessage(gone));
  return gone.length > 0;
}

/**
 * Inside a test: skips the rest of the running test when a tool is missing (a failure under
 * AIWS_REQUIRE_SYSTEM_TOOLS=1). Helpers that run a tool call it first.
 */
export function needTools(...tools: SystemTool[]): void {
  if (!lacks(...tools)) return;
  const test = TestRunner.getCurrentTest();
  const why = `needs ${tools.join(", ")}: apt-get install ${packagesFor(tools).join(" ")}`;
  if (!test) throw new Error(why);
  test.context.skip(why);
}
