import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, existsSync, symlinkSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { needTools } from "./systemTools.js";

/**
 * Runs shellcheck on a rendered script and returns its findings ("" when clean).
 * Tests assert `expect(shellcheck(script)).toBe("")`, so a finding prints in the failure.
 */
export function shellcheck(script: string, name = "script.sh"): string {
  needTools("shellcheck");
  const dir = mkdtempSync(join(tmpdir(), "aiws-sc-"));
  const file = join(dir, name);
  writeFileSync(file, script.startsWith("#!") ? script : `#!/usr/bin/env bash\n${script}`);
  try {
    execFileSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", file], { encoding: "utf8", stdio: "pipe" });
    return "";
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: string };
    return `${err.stdout ?? ""}${err.stderr ?? ""}`.trim();
  }
}

/**
 * Runs `systemd-analyze verify` on unit files (name -> content) and returns its complaints
 * ("" when clean). Units are written into a scratch root (`--root`) that sees this machine's
 * own system units; each binary an Exec line names is linked in from this machine, or made
 * as a stand-in when the test lists it in `binaries` (ollama, a venv's python...).
 */
export function verifyUnits(units: Record<string, string>, opts: { binaries?: string[] } = {}): string {
  needTools("systemd-analyze");
  const root = mkdtempSync(join(tmpdir(), "aiws-units-"));
  const unitDir = join(root, "etc/systemd/system");
  mkdirSync(unitDir, { recursive: true });
  const paths: string[] = [];
  for (const [name, text] of Object.entries(units)) {
    const p = join(unitDir, name);
    writeFileSync(p, text);
    paths.push(p);
  }
  // The machine's own units (targets, sockets) so dependencies resolve; copied, not linked,
  // because verify resolves absolute links inside the root. Merged /usr: /lib is usr/lib.
  cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  symlinkSync("usr/lib", join(root, "lib"));
  const stand = new Set(opts.binaries ?? []);
  for (const bin of execPaths(Object.values(units))) {
    const p = join(root, bin);
    if (existsSync(p)) continue;
    mkdirSync(dirname(p), { recursive: true });
    if (stand.has(bin) || existsSync(bin)) writeFileSync(p, "#!/bin/sh\n", { mode: 0o755 });
  }
  try {
    const out = execFileSync("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...paths], {
      encoding: "utf8",
      stdio: "pipe",
      env: { ...process.env, SYSTEMD_LOG_COLOR: "0" },
    });
    return noise(out);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: string };
    return noise(`${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

/** Absolute program paths named by Exec*= lines (after systemd's -@:+! prefixes). */
function execPaths(texts: string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(/^Exec[A-Za-z]*=[-@:+!]*(\/\S+)/gm)) out.add(m[1]!);
  }
  return [...out];
}

/** Lines systemd-analyze prints about the build machine itself, not about the units. */
function noise(out: string): string {
  return out
    .split("\n")
    .filter((l) => l.trim() && !/Failed to (connect to|open) .*bus|No such file or directory.*\/run\/systemd|System has not been booted with systemd/.test(l))
    .join("\n")
    .trim();
}
