/**
 * The migration's three long phases as detached runs (detached.ts), each with how its progress
 * is measured on the host: the hashing and the comparison count the files and bytes of each
 * batch sha256sum has finished; the restore reads how much the new filesystems grew
 * (df: bytes and inodes used), which costs nothing however many files there are.
 */
import { RESTIC_WRAPPER } from "../host/backup/paths.js";
import { STATE_DIR } from "../host/shared.js";
import { shellQuote } from "../step/render.js";
import { runFolder, type LongPhase } from "./detached.js";
import { moveRestoreLines, movedNamesSed, type Move } from "./moves.js";

/** Every file to move with its hash, as `sha256sum -z` writes it: NUL-separated, names unescaped. */
export const MANIFEST = `${STATE_DIR}/migration-manifest.sha256z`;

/*
 * Every awk here prints its sums with printf "%.0f": mawk, Debian's and Ubuntu's default awk,
 * prints a number of 2^31 or more with print as 1.8e+10, which no parser takes for bytes.
 */

/** The files of the old layout that are hashed: regular files, one filesystem each, no lost+found. */
const findFiles = (mounts: readonly string[]) => `find ${mounts.map(shellQuote).join(" ")} -xdev -type f ! -path '*/lost+found/*'`;

/**
 * sha256sum over one batch of names (xargs -n), then "FILES BYTES" of the batch appended to
 * $AIWS_PROGRESS. Its exit status is sha256sum's, so xargs ends 123 when a file could not be read.
 */
const HASH_BATCH = `sha256sum -z -- "$@"; rc=$?; stat -c %s -- "$@" 2>/dev/null | awk -v n=$# '{s += $1} END {printf "%.0f %.0f\\n", n, s}' >>"$AIWS_PROGRESS"; exit $rc`;

/**
 * The hashing and the comparison alike: `names` (a command printing NUL-separated names) piped
 * through HASH_BATCH, then into `tail` when given; each batch's count goes to `progress`, which
 * the polls sum up.
 */
function hashInBatches(progress: string, names: string, tail = ""): { lines: string[]; progress: LongPhase["progress"] } {
  return {
    lines: [
      `export AIWS_PROGRESS=${shellQuote(progress)}`,
      ': >"$AIWS_PROGRESS"',
      "# shellcheck disable=SC2016 # the batch's \"$@\" is its own",
      `${names} | xargs -0 -r -n 256 bash -c ${shellQuote(HASH_BATCH)} _${tail}`,
    ],
    progress: { now: `awk '{n += $1; s += $2} END {printf "%.0f %.0f\\n", n, s}' ${shellQuote(progress)} 2>/dev/null || echo 0 0` },
  };
}

/** What to hash before the rebuild: "FILES BYTES" of findFiles, for the progress lines' totals. */
export function countFilesScript(mounts: readonly string[]): string {
  return `${findFiles(mounts)} -printf '%s\\n' | awk '{n++; s += $1} END {printf "%.0f %.0f\\n", n, s}'`;
}

export function parseCount(out: string): { files: number; bytes: number } | undefined {
  const m = /^(\d+) (\d+)$/m.exec(out.trim());
  return m ? { files: Number(m[1]), bytes: Number(m[2]) } : undefined;
}

/** Every file of the old layout hashed into MANIFEST (and printed), sorted by name. */
export function hashPhase(id: string, mounts: readonly string[], total: { files: number; bytes: number } | undefined): LongPhase {
  const batches = hashInBatches(`${runFolder(id)}/hash.progress`, `${findFiles(mounts)} -print0 | sort -z`, ` | tee ${MANIFEST}`);
  return {
    id,
    name: "hash",
    what: "hashing the data",
    // Before the journal: a cut here puts the old layout back, and the migration starts anew.
    resumable: false,
    // MANIFEST's folder is there: the run's own folder lies under it (detached.ts RUN_ROOT).
    script: ["set -euo pipefail", ...batches.lines].join("\n"),
    progress: batches.progress,
    ...(total ? { total } : {}),
  };
}

/**
 * The verified snapshot restored onto the new layout: the mountpoints it keeps in place, the
 * ones it moves into their folders (moves.ts). `finished`: a run of it that ended with status
 * 0 while the connection was cut is taken as it is, not run again.
 */
export function restorePhase(
  id: string,
  snapshot: string,
  includes: readonly string[],
  newMounts: readonly string[],
  total: { files: number; bytes: number },
  moves: readonly Move[] = [],
  finished = false,
): LongPhase {
  const df = `df -B1 --output=used,iused ${newMounts.map(shellQuote).join(" ")}`;
  const inPlace = includes.length > 0 ? [`${RESTIC_WRAPPER} restore ${shellQuote(snapshot)} --target / ${includes.map((m) => `--include ${shellQuote(m)}`).join(" ")} --verify`] : [];
  return {
    id,
    name: "restore",
    what: "restic restore",
    script: ["set -euo pipefail", ...inPlace, ...moveRestoreLines(snapshot, moves, newMounts)].join("\n"),
    reuseFinished: finished,
    progress: {
      base: `${df} | awk 'NR > 1 {s += $1; n += $2} END {printf "%.0f %.0f\\n", n, s}'`,
      now: `read -r bf bb <"$d/restore.base"; ${df} | awk -v bf="$bf" -v bb="$bb" 'NR > 1 {s += $1; n += $2} END {printf "%.0f %.0f\\n", (n > bf ? n - bf : 0), (s > bb ? s - bb : 0)}'`,
    },
    total,
  };
}

/**
 * Every file of the manifest hashed again on the new layout, printed as `sha256sum -z` does;
 * xargs ends 123 when some could not be read (missing), which the comparison reports by name.
 */
export function comparePhase(id: string, total: { files: number; bytes: number }, moves: readonly Move[] = []): LongPhase {
  // A moved mountpoint's files are compared where the restore put them.
  const names = `cut -z -c67- ${MANIFEST}${moves.length > 0 ? ` | ${movedNamesSed(moves)}` : ""}`;
  const batches = hashInBatches(`${runFolder(id)}/compare.progress`, names);
  return {
    id,
    name: "compare",
    what: "the final comparison",
    script: ["set -o pipefail", ...batches.lines].join("\n"),
    progress: batches.progress,
    total,
  };
}
