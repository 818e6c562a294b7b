/**
 * storage.moves at work (src/profile/schema/storageMoves.ts): an old mountpoint the new layout
 * drops, restored into a folder below one it keeps. Every path of the migration that names a
 * file under a moved mountpoint goes through movedPath: the capacity check, the comparison.
 */
import type { Profile } from "../profile/schema/profile.js";
import { STAGING_SUFFIX } from "../profile/schema/storageMoves.js";
import { isUnder } from "../profile/schema/storage.js";
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

/** Longest `from` first: a file's move is the one of the deepest mountpoint above it. */
const deepestFirst = (moves: readonly Move[]) => [...moves].sort((a, b) => b.from.length - a.from.length);

/** Where a file of the old layout is after the restore. */
export function movedPath(path: string, moves: readonly Move[]): string {
  const m = deepestFirst(moves).find((mv) => isUnder(path, mv.from));
  return m ? m.to + path.slice(m.from.length) : path;
}

/**
 * A sed -z program that rewrites NUL-separated names as movedPath does: the first rule that
 * matches, deepest first, and no other (`t` ends the cycle; a destination may lie below another
 * move's mountpoint). Mountpoints hold only letters, digits and . _ - (the schema), so escaping
 * the dot is all a pattern needs.
 */
export function movedNamesSed(moves: readonly Move[]): string {
  const rules = deepestFirst(moves).map((m) => `s#^${m.from.replaceAll(".", "\\.")}/#${m.to}/#;t`);
  return `sed -z ${shellQuote(rules.join(";"))}`;
}

/**
 * Each moved mountpoint restored beside its destination (same filesystem), then renamed into
 * place: restic puts a file at TARGET/ORIGINAL-PATH, so it cannot restore /projects into
 * /data/from-projects directly. A destination already there is this migration's own earlier
 * restore (the preflight and the restore's first check refuse any other): the snapshot holds
 * all of it, and it goes before the restore, so a second restore needs no more room than the
 * first. Before anything is removed, the destination's folder must be on its new mountpoint
 * through no symbolic link (the in-place restore before it may have put one there): rm and
 * mkdir follow links, and root's would reach the OS drive.
 */
export function moveRestoreLines(snapshot: string, moves: readonly Move[], newMounts: readonly string[]): string[] {
  return moves.flatMap((m) => {
    const stage = shellQuote(`${m.to}${STAGING_SUFFIX}`);
    const to = shellQuote(m.to);
    const parent = m.to.slice(0, m.to.lastIndexOf("/"));
    const mount = [...newMounts].sort((a, b) => b.length - a.length).find((n) => isUnder(m.to, n)) ?? "/";
    const stop = (why: string) => `{ echo ${shellQuote(`${m.to}: ${why}; nothing was removed there. Fix it, then --resume`)} >&2; exit 1; }`;
    return [
      `mountpoint -q ${shellQuote(mount)} || ${stop(`${mount} is not mounted`)}`,
      `mkdir -p -- ${shellQuote(parent)}`,
      `[[ $(realpath -m -- ${shellQuote(parent)}) == ${shellQuote(parent)} ]] || ${stop(`a folder on its path (${parent}) is a symbolic link`)}`,
      `[[ $(findmnt -n -o TARGET -T ${shellQuote(parent)}) == ${shellQuote(mount)} ]] || ${stop(`it is not on ${mount}`)}`,
      `rm -rf --one-file-system -- ${stage} ${to}`,
      `mkdir -- ${stage}`,
      `${RESTIC_WRAPPER} restore ${shellQuote(snapshot)} --target ${stage} --include ${shellQuote(m.from)} --verify`,
      `if [[ -d ${shellQuote(`${m.to}${STAGING_SUFFIX}${m.from}`)} ]]; then mv -T -- ${shellQuote(`${m.to}${STAGING_SUFFIX}${m.from}`)} ${to}; else mkdir -- ${to}; fi`,
      `rm -rf --one-file-system -- ${stage}`,
    ];
  });
}

/**
 * Prints each destination (or its staging folder) that already exists on the old layout:
 * restored in place with the rest, it would be removed by the move's restore, or mix with it.
 */
export function takenDestinationsScript(moves: readonly Move[], oldMounts: readonly string[]): string {
  const onOld = moves.filter((m) => oldMounts.some((o) => isUnder(m.to, o))).flatMap((m) => [m.to, `${m.to}${STAGING_SUFFIX}`]);
  if (onOld.length === 0) return "true";
  return `for t in ${onOld.map(shellQuote).join(" ")}; do if [[ -e $t || -L $t ]]; then echo "$t"; fi; done`;
}

/**
 * Why the moves cannot be made from this old layout, or undefined: a moved mountpoint with
 * another old one below it would bring that one's files along (the backup crosses into it),
 * restored twice and compared in the wrong place.
 */
export function nestedMoveRefusal(moves: readonly Move[], oldMounts: readonly string[]): string | undefined {
  const nested = moves.flatMap((m) => oldMounts.filter((o) => o !== m.from && isUnder(o, m.from)).map((o) => `${o} lies under ${m.from}`));
  return nested.length > 0 ? `storage.moves cannot move a mountpoint another one is mounted below (${nested.join("; ")}): move the inner one's data elsewhere first` : undefined;
}

/** Prints each destination that holds anything on the new layout, before the first restore. */
export function movedIntoScript(moves: readonly Move[]): string {
  return `for t in ${moves.map((m) => shellQuote(m.to)).join(" ")}; do if [[ -L $t ]] || [[ -e $t && -z $(find "$t" -maxdepth 0 -empty) ]]; then echo "$t"; fi; done`;
}
