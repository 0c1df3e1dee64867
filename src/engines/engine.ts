// Database engines behind one interface, in an explicit registry (registry.ts). Each engine knows
// the argv of its own client programs; pullback runs them on the main server over SSH (dumps,
// restores) or locally (verification, drills). Passwords come from files, never argv.
import type { DbConnection, DumpEngine } from '../config/types.js';

export interface DumpFormat {
  /** File name suffix of a dump of this engine, e.g. `.pgdump`. */
  extension: string;
  format: 'custom' | 'sql' | 'sqlite' | 'globals';
}

export interface DatabaseEngine {
  readonly name: DumpEngine;
  readonly dumpFormat: DumpFormat;
  /** argv (run on the server) printing the server's version on stdout; parse with parseVersion. */
  versionArgv(conn: DbConnection): string[];
  parseVersion(stdout: string): string;
  /** argv listing every user database (for `databases: all`), one per line. */
  listDatabasesArgv(conn: DbConnection): string[];
  /** argv writing a consistent dump of `database` to stdout (sqlite: a database file path, to `outFile`). */
  dumpArgv(conn: DbConnection, database: string, outFile: string): string[];
  /** argv printing `table<TAB>rows` per table of `database` (row counts for later comparison). */
  rowCountsArgv(conn: DbConnection, database: string): string[];
  parseRowCounts(stdout: string): Record<string, number>;
  /** argv restoring a dump read from stdin into `database` (which must exist, except sqlite). */
  restoreArgv(conn: DbConnection, database: string, dumpFile?: string): string[];
  createDatabaseArgv(conn: DbConnection, database: string): string[];
  dropDatabaseArgv(conn: DbConnection, database: string): string[];
}
