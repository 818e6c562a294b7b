import { isUnder, storageMountpoints, type StorageConfig } from "./storage.js";
import type { BackupConfig } from "./backup.js";

/**
 * Where a layout switch puts the data of an old mountpoint the new layout no longer has.
 * Without a move, `npm run switch -- --migrate` refuses to drop a mountpoint that holds data:
 * restored in place, it would land on the OS drive (src/switch/migrate.ts). With one, the
 * old mountpoint's files are restored into `to`, which lies under a mountpoint of this layout.
 * A move names an old mountpoint, so it does nothing once the switch is done.
 */

/** Beside each destination, the folder its restore is staged in (src/switch/moves.ts). */
export const STAGING_SUFFIX = ".aiws-restore";

/** The checks storage.moves needs beyond its own shape: each path is reported where it is written. */
export function checkMoves(st: StorageConfig, backup: BackupConfig | undefined, issue: (path: (string | number)[], message: string) => void): void {
  const points = storageMountpoints(st);
  const froms = new Map<string, number>();
  st.moves.forEach((mv, i) => {
    const at = ["storage", "moves", i];
    const keeps = points.find((p) => isUnder(mv.from, p));
    if (keeps) issue([...at, "from"], `${mv.from} lies under ${keeps}, which this layout mounts: its data is restored in place, so no move is needed; remove this entry`);
    const first = froms.get(mv.from);
    if (first !== undefined) issue([...at, "from"], `${mv.from} is moved twice (also storage.moves.${first}): give each old mountpoint one destination`);
    froms.set(mv.from, i);
    const under = points.find((p) => isUnder(mv.to, p) && mv.to !== p);
    // The restore empties the destination first: it must hold no other filesystem.
    const holds = points.find((p) => isUnder(p, mv.to));
    if (holds) {
      issue([...at, "to"], `${mv.to} is or holds ${holds}, a mountpoint of this layout: pick a folder below one, like ${holds}${mv.from}`);
    } else if (mv.to.endsWith(STAGING_SUFFIX)) {
      issue([...at, "to"], `${mv.to} ends in ${STAGING_SUFFIX}, the name the restore stages a move in: pick another name`);
    } else if (!under) {
      issue([...at, "to"], `${mv.to} is not a folder below a mountpoint of this layout (${points.join(", ") || "none"}): put it under one, like ${points[0] ?? "/data"}${mv.from}`);
    } else if (backup && !backup.paths.some((p) => isUnder(mv.to, p))) {
      issue([...at, "to"], `${mv.to} is not in backup.paths (${backup.paths.join(", ")}): the moved data would no longer be backed up; add ${under} to backup.paths, or move it under one of them`);
    }
    st.moves.forEach((other, j) => {
      if (j < i && (isUnder(mv.to, other.to) || isUnder(other.to, mv.to))) {
        issue([...at, "to"], `${mv.to} overlaps storage.moves.${j}'s ${other.to}: each moved mountpoint needs a folder of its own`);
      }
    });
  });
}
