/**
 * What several concerns name alike, defined once: the host's state directory and the id of
 * the storage step the data's users wait for.
 */

/** aiws's state on the host: markers, the backup status, the migration's journal. */
export const STATE_DIR = "/var/lib/aiws";

/** The storage step that mounts the data volumes (storage/steps.ts); base's data layout and the backup units come after it. */
export const STORAGE_MOUNTED = "storage-mounted";
