/**
 * What the migration reads back from the host's backup and hash tools: the backup status,
 * the files a restic snapshot holds, the one snapshot a tag finds, and `sha256sum -z`
 * manifests. A reading that cannot be trusted stops the migration (MigrationStop).
 */
import { RESTIC_WRAPPER, STATUS_COMMAND } from "../host/backup/paths.js";
import { parseBackupStatus } from "../host/backup/status.js";
import { shellQuote } from "../step/render.js";
import { lastLines } from "./journal.js";
import { MigrationStop } from "./stop.js";

/** A root command on the host: its stdout, or a MigrationStop naming `what` failed. */
type RootCommand = (script: string, what: string) => Promise<string>;

/** The backup status the host's units record (src/host/backup/status.ts). */
export async function readStatus(root: RootCommand) {
  const parsed = parseBackupStatus(await root(STATUS_COMMAND, "reading the backup status"));
  if (!parsed.status) throw new MigrationStop(parsed.error);
  return parsed.status;
}

/** Every file the snapshot holds under the mountpoints, with its size (restic ls --json: one node per line). */
export async function snapshotFiles(root: RootCommand, mounts: readonly string[], snapshot: string): Promise<Map<string, number>> {
  // --recursive: without it, restic ls lists only the named directories' own entries.
  const out = await root(`${RESTIC_WRAPPER} ls --json --recursive ${shellQuote(snapshot)} ${mounts.map(shellQuote).join(" ")}`, "listing the snapshot");
  const files = new Map<string, number>();
  for (const l of out.split("\n")) {
    if (!l.startsWith("{")) continue;
    const node = JSON.parse(l) as { type?: string; path?: string; size?: number };
    if (node.type === "file" && node.path) files.set(node.path, node.size ?? 0);
  }
  return files;
}

/** `sha256sum -z` output: `HASH  NAME` records ended by NUL, the name unescaped (any byte but NUL). */
export function parseManifest(text: string): { hash: string; path: string }[] {
  return text
    .split("\0")
    .filter((r) => /^[0-9a-f]{64}  ./s.test(r))
    .map((r) => ({ hash: r.slice(0, 64), path: r.slice(66) }));
}

/** The full id and start time of the one snapshot `restic snapshots --json --tag ...` lists. */
export function parseSnapshot(json: string): { id: string; time: string } {
  let list: { id?: string; time?: string }[];
  try {
    list = JSON.parse(json) as { id?: string; time?: string }[];
  } catch {
    throw new MigrationStop(`restic snapshots printed no JSON: ${lastLines(json)}`);
  }
  const found = list.filter((x) => typeof x.id === "string" && /^[0-9a-f]{64}$/.test(x.id));
  if (found.length !== 1) throw new MigrationStop(`found ${found.length} snapshot(s) with the migration's tag, expected one`);
  return { id: found[0]!.id!, time: found[0]!.time ?? "" };
}
