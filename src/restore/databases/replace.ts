// Replacing a live database by its dump, the restore's one way of putting a database back: one
// replacer per engine (postgres-swap.ts, mariadb-replace.ts, sqlite-replace.ts), chosen by the
// engine's name in registry.ts. Each makes `database` on the server `run` runs on (sqlite: the file) exactly
// what the dump `dumpFile` (a file there) describes: objects created since the dump are gone, the
// database's own properties are the dump's; it is created when it does not exist. A failure throws
// ReplaceError saying whether the database was changed.
import type { DbConnection } from '../../config/types.js';
import type { DatabaseProperties, DumpFormatName, EngineRunner, ExpectedProperties } from '../../engines/engine.js';

export interface ReplaceOptions {
  /** Runs the clean-up after a failure: without the interrupt signal, since it must run after one. */
  cleanup: EngineRunner;
  /** Timeout of the restore itself. */
  timeoutMs: number;
  /** The dump's format (postgres: `custom` through pg_restore, `sql` through psql); absent: the engine's own. */
  format?: DumpFormatName;
  /** The properties recorded with the dump (absent in dumps taken before they were recorded). */
  recorded?: DatabaseProperties;
}

export interface ReplaceOutcome {
  /** How the database was replaced, for people (e.g. "restored into a fresh database, then swapped in"). */
  how: string;
  /** What did not go as it should but leaves the database as the dump has it (e.g. a leftover kept). */
  warnings: string[];
  /** The properties the database should now have (the post-restore check compares); absent when nothing says what they should be. */
  expected?: ExpectedProperties;
  /** Sessions on the live database the replace ended (postgres: terminated for the swap), for people. */
  endedSessions?: string[];
}

/** A replace that failed; `changed` tells whether the target database was touched ('possibly': it cannot be told; the message says what to check). */
export class ReplaceError extends Error {
  readonly changed: boolean | 'possibly';
  constructor(message: string, changed: boolean | 'possibly') {
    super(message);
    this.name = 'ReplaceError';
    this.changed = changed;
  }
}

/** Replaces `database` by the dump `dumpFile` (see the file comment); throws ReplaceError. */
export type DatabaseReplacer = (run: EngineRunner, conn: DbConnection, database: string, dumpFile: string, opts: ReplaceOptions) => Promise<ReplaceOutcome>;
