import { STATE_DIR } from "../host/shared.js";
import type { RootShell } from "./detached.js";

/**
 * The migration's journal on the host: its id, the verified snapshot and the last stage it
 * passed, so that `--resume` goes on from there after any stop, whoever ran it.
 */
export const JOURNAL = `${STATE_DIR}/migration-journal.json`;
/** While it exists, aiws-backup refuses to run (src/host/backup/host/backup-run): the data volumes are not to be trusted. */
export const IN_PROGRESS = `${STATE_DIR}/migration-in-progress`;
/** What backup-run compares each data filesystem with (src/host/backup/host/backup-lib.sh). */
export const BACKUP_GUARD = `${STATE_DIR}/backup-guard`;
/**
 * "started": written before anything changes, atomically (it also keeps a second migration
 * from starting beside this one); a resume from it, or from "verified", starts over.
 * "restoring": the restore was started (a resume follows it, or takes its result); "mismatched":
 * the comparison found restored files that differ, and a resume restores again.
 */
export type Stage = "started" | "verified" | "rebuilding" | "rebuilt" | "restoring" | "restored" | "mismatched" | "compared";
/** The stages in the order a migration passes them. */
export const STAGES: readonly Stage[] = ["started", "verified", "rebuilding", "rebuilt", "restoring", "restored", "mismatched", "compared"];
/** The migration's id as runMigration makes it (a UTC time): it names folders and units. */
const ID = /^\d{8}T\d{6}Z$/;
export interface Journal {
  readonly version: 1;
  readonly id: string;
  /** What the old and new layouts mount: a resume must name the same migration. */
  readonly from: string;
  readonly to: string;
  readonly snapshot: string;
  readonly stage: Stage;
  readonly files?: { readonly from: string; readonly to: string };
  /** How many files the manifest held when the data was verified: a resume finds the same. */
  readonly manifestFiles?: number;
}

/** claimJournalScript's exit status when a journal is already there. */
export const JOURNAL_TAKEN = 3;

/**
 * Bash that makes the first journal (`json`, shell-quoted) only if there is none: a hard link
 * onto a name that exists fails, so of two migrations started at once one goes on and the
 * other ends JOURNAL_TAKEN before changing anything.
 */
export function claimJournalScript(json: string): string {
  return [
    "set -uo pipefail",
    `tmp=$(mktemp ${JOURNAL}.XXXXXX) || exit 1`,
    `printf '%s\\n' ${json} >"$tmp" || { rm -f "$tmp"; exit 1; }`,
    `if ln "$tmp" ${JOURNAL} 2>/dev/null; then rc=0; else rc=${JOURNAL_TAKEN}; fi`,
    'rm -f "$tmp"',
    "exit $rc",
    "",
  ].join("\n");
}

/** The journal of the migration in progress on the host, or why there is none to resume. */
export async function readJournal(host: RootShell): Promise<Journal | { error: string }> {
  const r = await host.runScript(`cat ${JOURNAL} 2>/dev/null || true\n`, { timeoutMs: 120_000 });
  if (r.code !== 0) return { error: `reading the migration's journal failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}` };
  const text = r.stdout.trim();
  if (!text) return { error: `there is no migration to resume on this host (${JOURNAL} is absent): a migration that stopped before the rebuild put the old layout back; run the switch with --migrate again` };
  try {
    const j = JSON.parse(text) as Journal;
    if (j.version !== 1 || typeof j.snapshot !== "string" || !STAGES.includes(j.stage) || typeof j.id !== "string" || !ID.test(j.id)) throw new Error("fields");
    if (j.manifestFiles !== undefined && !Number.isSafeInteger(j.manifestFiles)) throw new Error("fields");
    return j;
  } catch {
    return { error: `${JOURNAL} is not a migration journal (${lastLines(text)}): resume by hand, or remove it` };
  }
}

/** The last three lines of a command's output, on one line, for a message. */
export function lastLines(s: string): string {
  return s.trim().split("\n").slice(-3).join(" / ");
}
