import type { Profile } from "../../profile/schema/profile.js";
import type { BackupConfig } from "../../profile/schema/backup.js";
import { isUnder } from "../../profile/schema/storage.js";
import { storageLayout } from "../storage/layout.js";
import { heredocDelimiter, shellQuote } from "../../step/render.js";
import { knownHostsEntry } from "../../ssh/knownHosts.js";
import { backupSh } from "./sh.js";
import { backupUnits } from "./units.js";
import {
  BACKUP_CONF,
  CANARY,
  EXCLUDES_FILE,
  KEY_FILE,
  KNOWN_HOSTS,
  LIB_DIR,
  NAS_ALIAS,
  PATHS_FILE,
  RESTIC_CACHE,
  RESTIC_WRAPPER,
  RESTORE_DRILL,
  SSH_CONFIG,
  STATUS_COMMAND,
  UNIT_DIR,
} from "./paths.js";

/** A file a backup step installs: exact text, octal mode, owned by root. */
interface HostFile {
  readonly path: string;
  readonly mode: "600" | "644" | "755";
  readonly text: string;
}

/** `sftp:user@host:/path`, as restic names the repository. */
export function repositoryOf(b: BackupConfig): string {
  const host = b.nas.host.includes(":") && !b.nas.host.startsWith("[") ? `[${b.nas.host}]` : b.nas.host;
  return `sftp:${b.nas.user}@${host}:${b.nas.path}`;
}

/**
 * Storage mountpoints inside the backed-up paths, or holding one (`/data` for a path
 * `/data/projects`, which would otherwise be an empty directory on the OS drive while `/data`
 * is not mounted): the backup refuses to run while one is not mounted.
 */
export function requiredMounts(profile: Profile): string[] {
  const b = profile.backup;
  const layout = storageLayout(profile);
  if (!b || !layout) return [];
  return layout.filesystems
    .map((f) => f.mountpoint)
    .filter((mp) => b.paths.some((p) => isUnder(mp, p) || isUnder(p, mp)));
}

/** The known_hosts line for a pinned NAS host key. */
export function knownHostsLine(b: BackupConfig): string | undefined {
  if (!b.nas.hostKey) return undefined;
  return `${knownHostsEntry(b.nas.host, b.nas.port, b.nas.hostKey)}\n`;
}

/** /etc/aiws/restic: what restic and ssh need besides the two secrets, and the aiws-restic wrapper. */
export function configFiles(profile: Profile, b: BackupConfig): HostFile[] {
  const conf = [
    "# aiws backup configuration, written by the backup-config step (pulumi up rewrites it).",
    `REPOSITORY=${shellQuote(repositoryOf(b))}`,
    `KEEP_DAILY=${b.keep.daily}`,
    `KEEP_WEEKLY=${b.keep.weekly}`,
    `KEEP_MONTHLY=${b.keep.monthly}`,
    `CHECK_SUBSET=${shellQuote(b.checkSubset)}`,
    `REQUIRED_MOUNTS=${shellQuote(requiredMounts(profile).join(" "))}`,
    `RESTORE_SAMPLE=${b.restoreSample}`,
    "",
  ].join("\n");
  const ssh = [
    "# How restic reaches the NAS (aiws-restic runs ssh -F with this file), written by the backup-config step.",
    `Host ${NAS_ALIAS}`,
    `  HostName ${b.nas.host}`,
    `  Port ${b.nas.port}`,
    `  User ${b.nas.user}`,
    `  IdentityFile ${KEY_FILE}`,
    "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${KNOWN_HOSTS}`,
    // A pinned key is enforced; without one, the first key seen is recorded and enforced from then on.
    `  StrictHostKeyChecking ${b.nas.hostKey ? "yes" : "accept-new"}`,
    "  HashKnownHosts no",
    "  BatchMode yes",
    "  ConnectTimeout 30",
    "  ServerAliveInterval 60",
    "  ServerAliveCountMax 10",
    "",
  ].join("\n");
  const files: HostFile[] = [
    { path: BACKUP_CONF, mode: "600", text: conf },
    { path: SSH_CONFIG, mode: "600", text: ssh },
    // The canary and its hash ride along with every backup: the restore drill's proof.
    { path: PATHS_FILE, mode: "600", text: [...b.paths, CANARY, `${CANARY}.sha256`].map((p) => `${p}\n`).join("") },
    { path: EXCLUDES_FILE, mode: "600", text: [...b.exclude, RESTIC_CACHE].map((p) => `${p}\n`).join("") },
    { path: RESTIC_WRAPPER, mode: "755", text: backupSh("host/aiws-restic") },
  ];
  const pinned = knownHostsLine(b);
  if (pinned) files.push({ path: KNOWN_HOSTS, mode: "600", text: pinned });
  return files;
}

/** The scripts and units of the backup-units step. */
export function unitFiles(b: BackupConfig): HostFile[] {
  return [
    { path: `${LIB_DIR}/backup-lib.sh`, mode: "644", text: backupSh("host/backup-lib.sh") },
    { path: `${LIB_DIR}/backup-run`, mode: "755", text: backupSh("host/backup-run") },
    { path: `${LIB_DIR}/backup-check`, mode: "755", text: backupSh("host/backup-check") },
    { path: `${LIB_DIR}/backup-failed`, mode: "755", text: backupSh("host/backup-failed") },
    { path: STATUS_COMMAND, mode: "755", text: backupSh("host/aiws-backup-status") },
    { path: RESTORE_DRILL, mode: "755", text: backupSh("host/aiws-restore-drill") },
    ...Object.entries(backupUnits(b)).map(([name, text]) => ({ path: `${UNIT_DIR}/${name}`, mode: "644" as const, text })),
  ];
}

/** The manifest files.sh reads (`MODE PATH VARIABLE` a line), for the step's vars. */
export function fileManifest(files: readonly HostFile[], prefix: string): string {
  return files.map((f, i) => `${f.mode} ${f.path} ${prefix}_${i}`).join("\n");
}

/**
 * Bash that sets one variable per file to its exact text, from quoted here-documents (the
 * text is data: nothing in it expands). Every file's text ends with a newline, which the
 * here-document keeps; `read -d ''` keeps it too.
 */
export function fileDefinitions(files: readonly HostFile[], prefix: string): string {
  return files
    .map((f, i) => {
      const text = f.text.endsWith("\n") ? f.text : `${f.text}\n`;
      const eof = heredocDelimiter("AIWS_FILE_EOF", text);
      return `# shellcheck disable=SC2034 # read through \${!var} in files.sh\nIFS= read -r -d '' ${prefix}_${i} <<'${eof}' || true\n${text}${eof}\n`;
    })
    .join("");
}
