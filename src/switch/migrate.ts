import { RESTIC_WRAPPER } from "../host/backup/paths.js";
import { isBackupFresh } from "../host/backup/status.js";
import { shellQuote } from "../step/render.js";
import { dataMountpoints, droppedRefusal, droppedWithDataScript, newLayoutCheckScript } from "./migration.js";
import { isUnder } from "../profile/schema/storage.js";
import { activeMoves, movedIntoScript, movedPath, nestedMoveRefusal, takenDestinationsScript } from "./moves.js";
import { BACKUP_GUARD, IN_PROGRESS, JOURNAL, JOURNAL_TAKEN, STAGES, claimJournalScript, lastLines, readJournal, type Journal, type Stage } from "./journal.js";
import { REFORMAT_CONFIRMED, mountBackScript, putOldLayoutBack, quiesceScript, resumeScript, unitsToStop, unmountScript } from "./quiesce.js";
import { classifyUnbacked, unbackedRefusal } from "./unbacked.js";
import { capacityRefusal, driveSizesScript, newFilesystems, parseDriveSizes } from "./capacity.js";
import { parseManifest, parseSnapshot, readStatus, snapshotFiles } from "./snapshot.js";
import { MigrationStop } from "./stop.js";
import { RUN_ROOT, migrationActivityScript, runFolder, runLongPhase, type LongPhase } from "./detached.js";
import { MANIFEST, comparePhase, countFilesScript, hashPhase, parseCount, restorePhase } from "./longPhases.js";
import type { MigrationArgs, MigrationResult, PhaseResult } from "./migrateTypes.js";

export type { MigrationArgs, MigrationResult, PhaseResult };

/**
 * How long one command in the session may run. The long phases run detached (longPhases.ts);
 * the backup and the repository check run as oneshot units the session waits for, which on
 * terabytes over 1 GbE takes hours.
 */
const PHASE_TIMEOUT_MS = 6 * 3_600_000;

/**
 * A storage layout change, data first: back up now, verify the repository, record a hash of
 * every file to move, rebuild the layout, restore the data from the verified snapshot onto
 * the new layout, and compare every file with its recorded hash (the long phases detached on the
 * host: detached.ts). It stops before anything is destroyed when the backup fails, is not
 * verified, or misses files the user has not agreed to lose.
 */
export async function runMigration(a: MigrationArgs): Promise<MigrationResult> {
  const log = a.log ?? (() => undefined);
  const now = a.now ?? (() => new Date());
  const phases: PhaseResult[] = [];
  const mounts = dataMountpoints(a.from);
  const newMounts = dataMountpoints(a.to);
  const moves = activeMoves(a.from, a.to);
  let changed = false;
  let quiesced = false;
  let files = 0;
  let mismatches: string[] = [];
  let snapshot = "";
  let kept: { hash: string; path: string }[] = [];
  /** The size of every file the verified snapshot holds under the old mountpoints. */
  let inSnapshot = new Map<string, number>();
  let id = (a.now ?? (() => new Date()))().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const fromSig = `${a.from.storage?.layout ?? "none"} ${mounts.join(",")}`;
  // The moves belong to the new layout: a resume with other destinations is another migration.
  const toSig = `${a.to.storage?.layout ?? "none"} ${newMounts.join(",")}${moves.map((m) => ` ${m.from}=>${m.to}`).join("")}`;
  /** Resuming: the stage the journal says was passed. */
  let passed: Stage | undefined;
  /** The host's clock when the old layout was frozen: the migration's snapshot must start after it. */
  let frozenAt = Number.NaN;
  const warnings: string[] = [];

  const phase = async (name: string, body: () => Promise<string>) => {
    const t0 = Date.now();
    log(`migration: ${name}...`);
    const detail = await body();
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    phases.push({ name, seconds, detail });
    log(`migration: ${name}: ${detail} (${seconds} s)`);
  };
  const root = async (script: string, what: string, timeoutMs = PHASE_TIMEOUT_MS): Promise<string> => {
    const r = await a.host.runScript(`set -euo pipefail\n${script}\n`, { timeoutMs });
    if (r.code !== 0) throw new MigrationStop(`${what} failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
    return r.stdout;
  };

  /** Every new mountpoint mounted: what the restore and the comparison write and read. */
  const newLayoutCheck = newLayoutCheckScript(newMounts);
  const journalText = (stage: Stage) => {
    const j: Journal = { version: 1, id, from: fromSig, to: toSig, snapshot, stage, manifestFiles: files, ...(a.files ? { files: a.files } : {}) };
    return shellQuote(JSON.stringify(j));
  };
  const journal = async (stage: Stage) => {
    await root(`printf '%s\\n' ${journalText(stage)} >${JOURNAL}.tmp && mv -f ${JOURNAL}.tmp ${JOURNAL}`, "writing the migration's journal");
  };
  /** The first journal, made only if there is none: of two migrations started at once, one goes on. */
  const claimJournal = async () => {
    const r = await a.host.runScript(claimJournalScript(journalText("started")), { timeoutMs: 120_000 });
    if (r.code === JOURNAL_TAKEN) throw new MigrationStop(`a migration is already in progress on this host (${JOURNAL} appeared as this one started): go on with it (npm run switch -- --stack NAME --migrate --resume) before starting another`);
    if (r.code !== 0) throw new MigrationStop(`writing the migration's journal failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
  };
  /** Restored into a folder the old layout already has, a moved mountpoint would mix with it, or remove it. */
  const refuseTakenDestinations = async () => {
    if (moves.length === 0) return;
    const taken = (await root(takenDestinationsScript(moves, mounts), "looking for the moves' destinations on the old layout")).split("\n").filter(Boolean);
    if (taken.length > 0) throw new MigrationStop(`storage.moves restores into ${taken.join(", ")}, which the old layout already has: pick a folder that does not exist yet`);
  };
  /** A long phase, run detached on the host and followed (detached.ts): its stdout, or a stop naming it. */
  const long = async (p: LongPhase): Promise<string> => {
    const r = await runLongPhase(a.host, p, { log, ...a.follow });
    if (r.code !== 0) throw new MigrationStop(`${p.what} failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
    return r.stdout;
  };
  /** The files kept across the migration and their bytes, for the progress lines. */
  const keptTotal = () => ({ files: kept.length, bytes: kept.reduce((n, m) => n + (inSnapshot.get(m.path) ?? 0), 0) });
  /** Whether a phase still has to run: always, unless resuming past it. */
  const todo = (ends: Stage) => !passed || STAGES.indexOf(passed) < STAGES.indexOf(ends);

  try {
    if (mounts.length === 0) throw new MigrationStop("the current profile mounts no data: there is nothing to migrate");
    const excludes = a.from.backup?.exclude ?? [];
    for (const d of a.discard ?? []) {
      if (!excludes.includes(d)) throw new MigrationStop(`--discard ${d}: not a backup.exclude entry of the current profile (${excludes.join(", ") || "it has none"}); only data left out of backups on purpose may be given up`);
    }
    if (a.resume) {
      const j = await readJournal(a.host);
      if ("error" in j) throw new MigrationStop(j.error);
      if (j.from !== fromSig || j.to !== toSig) {
        throw new MigrationStop(`the journal on the host is of another migration (${j.from} -> ${j.to}, id ${j.id}), not of ${fromSig} -> ${toSig}: resume it with the profiles it was started with`);
      }
      if (j.stage === "started" || j.stage === "verified") {
        // Before the rebuild a migration may well still be running (a second switch was told to
        // resume): its backup, check or hashing still going on the host means hands off.
        const running = (await root(migrationActivityScript(j.id), "looking for the migration's work still going on the host")).trim();
        if (running) {
          throw new MigrationStop(`the migration ${j.id} is still at work on the host (${running.split("\n").join(", ")}): if its switch still runs, let it finish; if not, wait until that has ended, then --resume`);
        }
        // Nothing was destroyed, but the old layout may have been written to since (it was put
        // back by hand, the host rebooted): its snapshot proves nothing now. Start over.
        log(`migration: ${j.id} stopped before any drive was touched: starting over from a new backup`);
        // Its units may still be stopped: a stop from here on starts them again.
        quiesced = true;
        await root(`rm -f ${IN_PROGRESS} ${JOURNAL}\n${mountBackScript(mounts)}`, "putting the old layout back");
      } else {
        ({ id, snapshot } = j);
        passed = j.stage;
        quiesced = true;
        changed = true;
        log(`migration: resuming ${id} after "${passed}", from the verified snapshot ${snapshot.slice(0, 8)}`);
        inSnapshot = await snapshotFiles(root, mounts, snapshot);
        kept = parseManifest(await root(`cat ${MANIFEST}`, "reading the manifest")).filter((m) => inSnapshot.has(m.path));
        files = kept.length;
        // An emptied or truncated manifest would compare nothing and pass.
        if (j.manifestFiles !== undefined && j.manifestFiles !== files) throw new MigrationStop(`${MANIFEST} names ${files} file(s) of the snapshot, but ${j.manifestFiles} were hashed before the rebuild: the manifest was changed since; restore from the snapshot ${snapshot.slice(0, 8)} by hand`);
      }
    } else {
      // A second migration must not start over one in progress: its way back would remove the
      // first one's pause and journal.
      const busy = (await root(`for f in ${JOURNAL} ${IN_PROGRESS}; do [[ ! -e $f ]] || echo "$f"; done`, "looking for a migration in progress")).trim();
      if (busy) throw new MigrationStop(`a migration is already in progress on this host (${busy.split("\n").join(", ")}): go on with it (npm run switch -- --stack NAME --migrate --resume) before starting another`);
    }
    // Restored in place: the old mountpoints below a new one (a moved one never is: the schema).
    const inPlace = mounts.filter((m) => newMounts.some((n) => isUnder(m, n)));
    const dropped = mounts.filter((m) => !inPlace.includes(m) && !moves.some((mv) => mv.from === m));
    if (!passed) await phase("preflight", async () => {
      const movedTo = moves.map((m) => `${m.from} into ${m.to}`).join(", ");
      const nested = nestedMoveRefusal(moves, mounts);
      if (nested) throw new MigrationStop(nested);
      await refuseTakenDestinations();
      if (dropped.length === 0) return `every old mountpoint lies under a new one (${newMounts.join(", ")})${movedTo ? ` or moves (${movedTo})` : ""}`;
      // Restored under --target /, a dropped mountpoint's data would land on the OS drive, and
      // no backup of the new profile would cover it: only an empty one may be dropped.
      const holding = (await root(droppedWithDataScript(dropped), "looking for data on the mountpoints the new layout drops"))
        .split("\n")
        .filter(Boolean);
      if (holding.length > 0) {
        throw new MigrationStop(droppedRefusal(holding, newMounts));
      }
      return `dropped, and empty: ${dropped.join(", ")}${movedTo ? `; moves ${movedTo}` : ""}`;
    });
    if (!passed) await phase("quiesce", async () => {
      await claimJournal();
      quiesced = true;
      const out = (await root(quiesceScript(unitsToStop(a.from), mounts), "quiescing the old layout")).trim();
      frozenAt = Number(/^frozen-at (\d+)$/m.exec(out)?.[1]);
      if (!Number.isFinite(frozenAt)) throw new MigrationStop(`quiescing the old layout printed no time: ${lastLines(out)}`);
      return out.replace(/\n?frozen-at \d+$/m, "");
    });
    if (!passed) await phase("backup", async () => {
      await root("systemctl start aiws-backup.service", "the backup (aiws-backup.service)");
      const status = await readStatus(root);
      // Both times are the host's clock: the one running this may be set differently.
      if (!status.lastBackup || Date.parse(status.lastBackup.time) / 1000 < frozenAt - 1) throw new MigrationStop("the backup unit finished but recorded no new backup");
      // Tagged so that the retention never removes it (backup-run: --keep-tag aiws-migration), and
      // found again by its own tag: restic gives a re-tagged snapshot a new id.
      await root(`${RESTIC_WRAPPER} tag --add aiws-migration --add aiws-migration-${id} ${shellQuote(status.lastBackup.snapshot)}`, "tagging the snapshot");
      const found = parseSnapshot(await root(`${RESTIC_WRAPPER} snapshots --json --tag aiws-migration-${id}`, "finding the tagged snapshot"));
      snapshot = found.id;
      // A backup that was already running when the migration started would have been joined,
      // not started again: its snapshot may predate the freeze, and miss what was written since.
      if (!(Date.parse(found.time) / 1000 >= frozenAt - 1)) {
        throw new MigrationStop(`the snapshot ${snapshot.slice(0, 8)} started at ${found.time}, before the old layout was made read-only: run the switch again once no backup is running`);
      }
      return `snapshot ${snapshot.slice(0, 8)}, tagged aiws-migration-${id}`;
    });
    if (!passed) await phase("verify", async () => {
      await root("systemctl start aiws-backup-check.service", "the repository check (aiws-backup-check.service)");
      const fresh = isBackupFresh(await readStatus(root), 1, now());
      if (!fresh.fresh) throw new MigrationStop(`the backup is not verified: ${fresh.reasons.join("; ")}`);
      // Again now that the old layout is read-only: nothing can appear there any more.
      await refuseTakenDestinations();
      inSnapshot = await snapshotFiles(root, mounts, snapshot);
      const toHash = parseCount(await root(countFilesScript(mounts), "counting the files to hash"));
      const manifest = parseManifest(await long(hashPhase(id, mounts, toHash)));
      kept = manifest.filter((m) => inSnapshot.has(m.path));
      const targets = newFilesystems(a.to);
      const sizes = parseDriveSizes(await root(driveSizesScript(targets.flatMap((t) => t.drives)), "reading the new layout's drive sizes"));
      const tooSmall = capacityRefusal(new Map(kept.map((m) => [movedPath(m.path, moves), inSnapshot.get(m.path) ?? 0])), targets, sizes);
      if (tooSmall) throw new MigrationStop(tooSmall);
      const lost = manifest.filter((m) => !inSnapshot.has(m.path));
      if (kept.length === 0 && lost.length > 0) {
        throw new MigrationStop(`the latest snapshot holds none of the ${lost.length} file(s) on the old layout (e.g. ${lost[0]!.path}): check backup.paths and the excludes before migrating`);
      }
      const refusal = unbackedRefusal(classifyUnbacked(lost.map((m) => m.path), a.from.backup?.exclude ?? []), a.discard ?? []);
      if (refusal) throw new MigrationStop(refusal);
      files = kept.length;
      await journal("verified");
      return `repository checked; ${kept.length} file(s) hashed into ${MANIFEST}${lost.length ? `; ${lost.length} left out of backups under ${(a.discard ?? []).join(", ")}, given up as agreed` : ""}`;
    });
    if (todo("rebuilt")) await phase("rebuild", async () => {
      await root(`printf '%s\\n' ${shellQuote(`id ${id} ${a.from.storage?.layout ?? "none"} -> ${a.to.storage?.layout ?? "none"}, snapshot ${snapshot.slice(0, 8)}`)} > ${IN_PROGRESS}`, "pausing the backups");
      await root(unmountScript(mounts), "unmounting the old layout");
      // From here on the drives are rewritten: the way back is the restore.
      changed = true;
      await journal("rebuilding");
      try {
        await a.converge();
      } catch (e) {
        const why = (e as Error).message;
        // The data comes before the services: once the new layout is mounted, a step after it
        // that failed (a model download, a service's health check) waits for the restore.
        const mounted = await a.host.runScript(`set -euo pipefail\n${newLayoutCheck}\n`, { timeoutMs: 120_000 }).catch(() => ({ code: -1 }));
        if (mounted.code !== 0) throw new MigrationStop(`converging the new layout failed: ${why}`);
        warnings.push(`the rebuild failed after the new layout was mounted (${why}); the data was restored first: run pulumi up again to finish the other steps`);
        log(`migration: ${warnings.at(-1)}`);
      }
      await root(newLayoutCheck, "checking the new layout");
      await journal("rebuilt");
      return `${a.from.storage?.layout} -> ${a.to.storage?.layout}, mounted at ${newMounts.join(", ")}`;
    });
    // A resume after a comparison that found differences restores again; after a restore that
    // was started, it follows that run, or takes its result when it ended during the cut.
    if (todo("restored") || passed === "mismatched") await phase("restore", async () => {
      // Without an --include restic restores the whole snapshot under / (over /etc and /home).
      if (inPlace.length === 0 && moves.length === 0) {
        await journal("restored");
        return "nothing to restore: every old mountpoint was dropped, empty";
      }
      await root(newLayoutCheck, "checking the new layout before the restore");
      if (todo("restoring")) {
        // The moved data replaces what it finds at its destination (moves.ts): on a first restore
        // there must be nothing there. Later ones (a resume) find their own earlier restore.
        const taken = moves.length === 0 ? [] : (await root(movedIntoScript(moves), "looking at the moves' destinations on the new layout")).split("\n").filter(Boolean);
        if (taken.length > 0) throw new MigrationStop(`storage.moves restores into ${taken.join(", ")}, which already holds files on the new layout: move them out of the way (or remove them), then --resume`);
      }
      const again = passed === "restoring";
      // A restore run of this migration that ended before (then a comparison found differences)
      // must not pass for this one.
      if (!again) await root(`rm -f ${shellQuote(runFolder(id))}/restore.rc`, "clearing the last restore's status");
      await journal("restoring");
      await long(restorePhase(id, snapshot, inPlace, newMounts, keptTotal(), moves, again));
      await journal("restored");
      const what = [...inPlace, ...moves.map((m) => `${m.from} into ${m.to}`)].join(", ");
      return `restored ${what} from the verified snapshot ${snapshot.slice(0, 8)}`;
    });
    if (todo("compared")) await phase("verify-again", async () => {
      await root(newLayoutCheck, "checking the new layout before the comparison");
      // Every file hashed again; xargs exits 123 when sha256sum could not read some (missing).
      // Anything else (ssh's 255, a missing manifest) means the comparison never ran.
      const r = await runLongPhase(a.host, comparePhase(id, keptTotal(), moves), { log, ...a.follow });
      if (r.code !== 0 && r.code !== 123) throw new MigrationStop(`the final comparison did not run (exit ${r.code}): ${lastLines(r.stderr || r.stdout) || "no output"}`);
      const now = new Map(parseManifest(r.stdout).map((m) => [m.path, m.hash]));
      mismatches = kept.filter((m) => now.get(movedPath(m.path, moves)) !== m.hash).map((m) => movedPath(m.path, moves));
      const same = kept.length - mismatches.length;
      if (mismatches.length > 0) {
        await journal("mismatched");
        throw new MigrationStop(`${mismatches.length} of ${files} restored file(s) differ from the hash recorded before, or are missing: ${mismatches.slice(0, 5).join(", ")}`);
      }
      if (same !== files) throw new MigrationStop(`compared ${same} file(s), expected ${files}`);
      // The data is verified on the new filesystems: the backup's guard (backup-run) takes them
      // as they are now, instead of refusing them as "another filesystem".
      await root(`rm -f ${IN_PROGRESS} ${BACKUP_GUARD} ${REFORMAT_CONFIRMED}`, "resuming the backups");
      await journal("compared");
      return `${files} file(s) byte-identical; backups resumed`;
    });
    await phase("resume", async () => {
      const started = (await root(resumeScript(), "starting the stopped units again")).trim();
      // Every migration's run folder: an aborted attempt's hold a copy of the manifest.
      await root(`rm -f ${JOURNAL}\nrm -rf ${RUN_ROOT}`, "closing the migration's journal");
      return started;
    });
    return { ok: true, phases, files, mismatches, ...(warnings.length ? { warnings } : {}) };
  } catch (e) {
    if (!(e instanceof MigrationStop)) throw e;
    let state: string;
    if (changed) {
      state = `the host was changed: the data is in the verified snapshot ${snapshot.slice(0, 8)} (tag aiws-migration-${id}), the manifest stays in ${MANIFEST}, backups stay paused (${IN_PROGRESS}) and the services stopped until the data is back. Fix the cause, then go on where it stopped with --resume`;
    } else if (!quiesced) {
      state = "nothing on the host was changed";
    } else {
      state = await putOldLayoutBack(a.host, id, mounts);
    }
    return { ok: false, phases, files, mismatches, error: `${e.message} (${state})` };
  }
}
