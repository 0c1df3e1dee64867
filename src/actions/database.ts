// Database sources: taking dumps on the main server before the pull (dump/take.ts) and verifying
// the pulled dumps after it (dump/verify.ts). The DumpRecord is what the manifest lists.
import type { DatabaseProperties } from '../engines/engine.js';

/** What pullback knows of one dump: written beside it on the server, verified after the pull, archived in the manifest. */
export interface DumpRecord {
  /** Path of the dump file relative to the source directory. */
  file: string;
  engine: string;
  /** Database name; for sqlite the database file's path on the main server; `(globals)` for postgres roles. */
  database: string;
  format: 'custom' | 'sql' | 'sqlite' | 'globals';
  serverVersion?: string;
  startedAt?: string;
  endedAt?: string;
  /** For a dump the server's cron wrote (no metadata): its modification time as pulled. */
  modifiedAt?: string;
  size: number;
  sha256: string;
  /**
   * Per-table row counts of the dump (for post-restore and drill comparisons): `schema.table` for
   * postgres, the table name otherwise. Read from the dump file itself when it is verified, so they
   * are exactly what the dump holds however busy the database was while it ran.
   */
  rowCounts?: Record<string, number>;
  /**
   * The database's own properties at dump time (mariadb/mysql character sets and collations, sqlite
   * file mode, owner and journal mode): what a restore gives a database that no longer exists, and
   * what its check compares. Absent in dumps taken before they were recorded and in postgres dumps.
   */
  properties?: DatabaseProperties;
  /** Checks the pulled file passed before it was archived: `sha256`, `pg_restore`, `trailer`, `integrity_check`. */
  verified?: string[];
}

export { takeDumps } from './dump/take.js';
export { verifyDumps } from './dump/verify.js';
