import type { Profile } from "../profile/schema/profile.js";
import { RESTIC_WRAPPER, STATE_DIR, STATUS_COMMAND } from "../host/backup/paths.js";
import { isBackupFresh, parseBackupStatus } from "../host/backup/status.js";
import { shellQuote } from "../host/render.js";
import type { RunResult } from "../ssh/ssh.js";
import { dataMountpoints } from "./migration.js";

/** What the migration needs of the host: a root shell (an SshSession, or the lab's). */
export interface RootShell {
  runScript(script: string, opts?: { timeoutMs?: number }): Promise<RunResult>;
}

export interface MigrationArgs {
  readonly host: RootShell;
  readonly from: Profile;
  readonly to: Profile;
  /** Converges the host to `to` (`pulumi up`, or the e2e engine). Throws when it fails. */
  readonly converge: () => Promise<void>;
  /** Files on the old layout that no snapshot holds (excluded, `.nobackup`) are lost by a rebuild: only go on when the user said so. */
  readonly discardUnbackedUp?: boolean;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

export interface PhaseResult {
  readonly name: string;
  readonly seconds: number;
  readonly detail: string;
}

export interface MigrationResult {
  readonly ok: boolean;
  readonly phases: readonly PhaseResult[];
  /** Files compared after the restore. */
  readonly files: number;
  /** Restored files whose hash differs from the one recorded before, or that are missing. */
  readonly mismatches: readonly string[];
  /** Why it stopped, when it did; says whether anything on the host was changed. */
  readonly error?: string;
}

const MANIFEST = `${STATE_DIR}/migration-manifest.sha256`;

class Stop extends Error {}

/**
 * A storage layout change, data first: back up now, verify the repository, record a hash of
 * every file to move, rebuild the layout, restore the data from the verified snapshot onto
 * the new layout, and compare every file with its recorded hash. It stops before anything is
 * destroyed when the backup fails, is not verified, or misses files the user has not agreed
 * to lose.
 */
export async function runMigration(a: MigrationArgs): Promise<MigrationResult> {
  const log = a.log ?? (() => undefined);
  const now = a.now ?? (() => new Date());
  const phases: PhaseResult[] = [];
  const mounts = dataMountpoints(a.from);
  const newMounts = dataMountpoints(a.to);
  let changed = false;
  let files = 0;
  let mismatches: string[] = [];

  const phase = async (name: string, body: () => Promise<string>) => {
    const t0 = Date.now();
    log(`migration: ${name}...`);
    const detail = await body();
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    phases.push({ name, seconds, detail });
    log(`migration: ${name}: ${detail} (${seconds} s)`);
  };
  const root = async (script: string, what: string, timeoutMs = 6 * 3_600_000): Promise<string> => {
    const r = await a.host.runScript(`set -euo pipefail\n${script}\n`, { timeoutMs });
    if (r.code !== 0) throw new Stop(`${what} failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
    return r.stdout;
  };

  try {
    if (mounts.length === 0) throw new Stop("the current profile mounts no data: there is nothing to migrate");
    const started = now();
    await phase("backup", async () => {
      await root("systemctl start aiws-backup.service", "the backup (aiws-backup.service)");
      const status = await readStatus(root);
      if (!status.lastBackup || Date.parse(status.lastBackup.time) < started.getTime() - 1000) throw new Stop("the backup unit finished but recorded no new backup");
      return `snapshot ${status.lastBackup.snapshot}`;
    });
    await phase("verify", async () => {
      await root("systemctl start aiws-backup-check.service", "the repository check (aiws-backup-check.service)");
      const fresh = isBackupFresh(await readStatus(root), 1, now());
      if (!fresh.fresh) throw new Stop(`the backup is not verified: ${fresh.reasons.join("; ")}`);
      const inSnapshot = await snapshotFiles(root, mounts);
      const manifest = parseManifest(await root(`find ${mounts.map(shellQuote).join(" ")} -xdev -type f ! -path '*/lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum`, "hashing the data"));
      const kept = manifest.filter((m) => inSnapshot.has(m.path));
      const lost = manifest.filter((m) => !inSnapshot.has(m.path));
      if (kept.length === 0 && lost.length > 0) {
        throw new Stop(`the latest snapshot holds none of the ${lost.length} file(s) on the old layout (e.g. ${lost[0]!.path}): check backup.paths and the excludes before migrating`);
      }
      if (lost.length > 0 && !a.discardUnbackedUp) {
        const sample = lost.slice(0, 5).map((m) => m.path).join(", ");
        throw new Stop(`${lost.length} file(s) on the old layout are in no snapshot (excluded from backups, or under a .nobackup marker), e.g. ${sample}: move them off the data volume, or accept losing them with --discard-unbacked-up`);
      }
      files = kept.length;
      await root(`mkdir -p ${STATE_DIR}\ncat > ${MANIFEST} <<'AIWS_MANIFEST_EOF'\n${kept.map((m) => `${m.hash}  ${m.path}`).join("\n")}\nAIWS_MANIFEST_EOF`, "recording the manifest");
      return `repository checked; ${kept.length} file(s) hashed into ${MANIFEST}${lost.length ? `; ${lost.length} not backed up, discarded as agreed` : ""}`;
    });
    await phase("rebuild", async () => {
      changed = true;
      await root(mounts.map((m) => `if mountpoint -q ${shellQuote(m)}; then umount ${shellQuote(m)}; fi`).join("\n"), "unmounting the old layout");
      try {
        await a.converge();
      } catch (e) {
        throw new Stop(`converging the new layout failed: ${(e as Error).message}`);
      }
      await root(newMounts.map((m) => `mountpoint -q ${shellQuote(m)} || { echo "${m} is not mounted after the rebuild" >&2; exit 1; }`).join("\n"), "checking the new layout");
      return `${a.from.storage?.layout} -> ${a.to.storage?.layout}, mounted at ${newMounts.join(", ")}`;
    });
    await phase("restore", async () => {
      const includes = mounts.map((m) => `--include ${shellQuote(m)}`).join(" ");
      await root(`${RESTIC_WRAPPER} restore latest --target / ${includes} --verify`, "restic restore");
      return `restored ${mounts.join(", ")} from the verified snapshot`;
    });
    await phase("verify-again", async () => {
      const r = await a.host.runScript(`sha256sum --quiet --check ${MANIFEST} 2>&1 || true\n`);
      mismatches = r.stdout.split("\n").filter((l) => /: (FAILED|FAILED open or read)$/.test(l.trim())).map((l) => l.replace(/: FAILED.*$/, ""));
      if (mismatches.length > 0) throw new Stop(`${mismatches.length} of ${files} restored file(s) differ from the hash recorded before: ${mismatches.slice(0, 5).join(", ")}`);
      return `${files} file(s) byte-identical`;
    });
    return { ok: true, phases, files, mismatches };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const state = changed ? "the host was changed: the data is in the verified snapshot and the manifest stays in " + MANIFEST : "nothing on the host was changed";
    return { ok: false, phases, files, mismatches, error: `${e.message} (${state})` };
  }
}

async function readStatus(root: (s: string, what: string) => Promise<string>) {
  const parsed = parseBackupStatus(await root(STATUS_COMMAND, "reading the backup status"));
  if (!parsed.status) throw new Stop(parsed.error);
  return parsed.status;
}

/** Every file path the latest snapshot holds under the mountpoints (restic ls --json: one node per line). */
async function snapshotFiles(root: (s: string, what: string) => Promise<string>, mounts: readonly string[]): Promise<Set<string>> {
  // --recursive: without it, restic ls lists only the named directories' own entries.
  const out = await root(`${RESTIC_WRAPPER} ls --json --recursive latest ${mounts.map(shellQuote).join(" ")}`, "listing the snapshot");
  const paths = new Set<string>();
  for (const l of out.split("\n")) {
    if (!l.startsWith("{")) continue;
    const node = JSON.parse(l) as { type?: string; path?: string; struct_type?: string };
    if (node.type === "file" && node.path) paths.add(node.path);
  }
  return paths;
}

function parseManifest(text: string): { hash: string; path: string }[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => ({ hash: l.slice(0, 64), path: l.slice(66) }));
}

function lastLines(s: string): string {
  return s.trim().split("\n").slice(-3).join(" / ");
}
