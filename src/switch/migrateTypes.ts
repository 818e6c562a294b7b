/** What runMigration (migrate.ts) is given, and what it reports. */
import type { Profile } from "../profile/schema/profile.js";
import type { FollowOptions, RootShell } from "./detached.js";

export interface MigrationArgs {
  readonly host: RootShell;
  readonly from: Profile;
  readonly to: Profile;
  /** Converges the host to `to` (`pulumi up`, or the e2e engine). Throws when it fails. */
  readonly converge: () => Promise<void>;
  /**
   * backup.exclude entries whose files the owner gives up (`--discard /data/models`): a rebuild
   * destroys what no snapshot holds. Files in no snapshot for any other reason always stop it.
   */
  readonly discard?: readonly string[];
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  /**
   * Continue the migration the host's journal records (a cut connection, a stop after the
   * rebuild), from the phase after the last one that ended, with the same verified snapshot.
   */
  readonly resume?: boolean;
  /** How the long phases are followed (the tests poll without waiting). */
  readonly follow?: Pick<FollowOptions, "pollMs" | "reportMs">;
  /** The profile files, kept in the journal so that `switch --resume` finds them again. */
  readonly files?: { readonly from: string; readonly to: string };
}

export interface PhaseResult {
  readonly name: string;
  readonly seconds: number;
  readonly detail: string;
}

export interface MigrationResult {
  readonly ok: boolean;
  readonly phases: readonly PhaseResult[];
  /** Files compared after the restore. */
  readonly files: number;
  /** Restored files whose hash differs from the one recorded before, or that are missing. */
  readonly mismatches: readonly string[];
  /** Why it stopped, when it did; says whether anything on the host was changed. */
  readonly error?: string;
  /** What the owner must still do after a migration that ended with the data verified. */
  readonly warnings?: readonly string[];
}
