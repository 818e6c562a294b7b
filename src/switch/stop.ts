/**
 * A migration that stops on purpose: its message says why, and runMigration (migrate.ts) adds
 * what state the host was left in. Any other error is a bug and is not caught there.
 */
export class MigrationStop extends Error {}
