/**
 * storage.moves at work (src/profile/schema/storageMoves.ts): an old mountpoint the new layout
 * drops, restored into a folder below one it keeps. Every path of the migration that names a
 * file under a moved mountpoint goes through movedPath: the capacity check, the comparison.
 */
import type { Profile } from "../profile/schema/profile.js";
import { isUnder } from "../profile/schema/storageMoves.js";
import { RESTIC_WRAPPER } from "../host/backup/paths.js";
import { shellQuote } from "../step/render.js";
import { dataMountpoints } from "./migration.js";

export interface Move {
  readonly from: string;
  readonly to: string;
}

/** The new profile's moves of mountpoints the old layout has: the others are done or never applied. */
export function activeMoves(from: Profile, to: Profile): Move[] {
  const old = dataMountpoints(from);
  return (to.storage?.moves ?? []).filter((m) => old.includes(m.from));
}

/** Where a file of the old layout is after the restore. */
export function movedPath(path: string, moves: readonly Move[]): string {
  const m = moves.find((mv) => isUnder(path, mv.from));
  return m ? m.to + path.slice(m.from.length) : path;
}

/**
 * A sed -z program that rewrites NUL-separated names as movedPath does. Mountpoints hold only
 * letters, digits and . _ - (the schema), so escaping the dot is all a pattern needs.
 */
export function movedNamesSed(moves: readonly Move[]): string {
  const rules = moves.map((m) => `-e ${shellQuote(`s#^${m.from.replaceAll(".", "\\.")}/#${m.to}/#`)}`);
  return `sed -z ${rules.join(" ")}`;
}

/**
 * Each moved mountpoint restored beside its destination (same filesystem), then renamed into
 * place: restic puts a file at TARGET/ORIGINAL-PATH, so it cannot restore /projects into
 * /data/from-projects directly. A destination already there is this migration's own earlier
 * restore (the preflight refused one the old layout had): the snapshot holds all of it.
 */
export function moveRestoreLines(snapshot: string, moves: readonly Move[]): string[] {
  return moves.flatMap((m) => {
    const stage = shellQuote(`${m.to}.aiws-restore`);
    const to = shellQuote(m.to);
    return [
      `rm -rf -- ${stage}`,
      `mkdir -p -- ${stage}`,
      `${RESTIC_WRAPPER} restore ${shellQuote(snapshot)} --target ${stage} --include ${shellQuote(m.from)} --verify`,
      `rm -rf -- ${to}`,
      `if [[ -d ${shellQuote(`${m.to}.aiws-restore${m.from}`)} ]]; then mv -T -- ${shellQuote(`${m.to}.aiws-restore${m.from}`)} ${to}; else mkdir -p -- ${to}; fi`,
      `rm -rf -- ${stage}`,
    ];
  });
}

/** Prints each destination that already exists on the old layout: restored into, it would mix two trees. */
export function takenDestinationsScript(moves: readonly Move[], oldMounts: readonly string[]): string {
  const onOld = moves.filter((m) => oldMounts.some((o) => isUnder(m.to, o))).map((m) => m.to);
  if (onOld.length === 0) return "true";
  return `for t in ${onOld.map(shellQuote).join(" ")}; do [[ ! -e $t ]] || echo "$t"; done`;
}

/** Prints each destination that holds anything on the new layout, before the first restore. */
export function movedIntoScript(moves: readonly Move[]): string {
  return `for t in ${moves.map((m) => shellQuote(m.to)).join(" ")}; do if [[ -e $t && -z $(find "$t" -maxdepth 0 -empty) ]]; then echo "$t"; fi; done`;
}
