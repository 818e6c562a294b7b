import { STATE_DIR } from "../shared.js";

/** Where the backup steps put things on the host. */
export const CRED_DIR = "/etc/aiws/restic";
export const BACKUP_CONF = `${CRED_DIR}/backup.conf`;
export const SSH_CONFIG = `${CRED_DIR}/ssh_config`;
export const PATHS_FILE = `${CRED_DIR}/paths`;
export const EXCLUDES_FILE = `${CRED_DIR}/excludes`;
export const KNOWN_HOSTS = `${CRED_DIR}/known_hosts`;
export const PASSWORD_FILE = `${CRED_DIR}/password`;
export const KEY_FILE = `${CRED_DIR}/nas_key`;
export const RESTIC_WRAPPER = "/usr/local/sbin/aiws-restic";
export const RESTORE_DRILL = "/usr/local/sbin/aiws-restore-drill";
export const STATUS_COMMAND = "/usr/local/bin/aiws-backup-status";
export const LIB_DIR = "/usr/local/lib/aiws";
export const UNIT_DIR = "/etc/systemd/system";
/** The status file the units keep and `aiws-backup-status` prints (see status.ts). */
export const STATUS_FILE = `${STATE_DIR}/backup-status.json`;
/** Written with random content before each backup, its sha256 beside it: the restore drill's proof. */
export const CANARY = `${STATE_DIR}/backup-canary`;
export const RESTIC_CACHE = "/var/cache/aiws/restic";
/** The SSH host alias the wrapper's ssh_config defines. */
export const NAS_ALIAS = "aiws-nas";
