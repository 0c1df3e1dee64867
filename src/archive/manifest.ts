// The archive manifest: .pullback/manifest.json inside every archive, describing the pull and the
// dumps that produced it. Written by the nightly and by a pre-restore snapshot; read by a restore,
// a drill and the nightly's last-good state.
import type { DatabaseProperties } from '../engines/engine.js';
import type { RsyncStats } from '../tools/rsync/stats.js';

export const MANIFEST_DIR = '.pullback';
export const MANIFEST_FILE = 'manifest.json';

export interface SourceManifest {
  name: string;
  kind: string;
  path: string;
  status: string;
  /** The rsync exclude patterns the pull applied: what the archive deliberately does not hold (a restore never deletes it). */
  exclude?: string[];
  pull?: PullResult;
  dumps?: DumpRecord[];
  /** A source that failed tonight (status `kept`: archived with its last good state; `failed`: not in the archive). */
  failed?: { step: string; error: string; keptFrom?: string };
}

export interface Manifest {
  format: 1;
  host: string;
  archive: string;
  createdAt: string;
  sources: SourceManifest[];
  /** Set on a partial archive: a source failed tonight (see each source's `failed`). */
  partial?: { comment: string };
}

/** What one source's pull measured, as the manifest keeps it. */
export interface PullResult {
  source: string;
  window: { start: string; end: string };
  exitCode?: number;
  attempts: number;
  /** rsync's statistics of the last attempt (of the last pass). */
  stats?: RsyncStats;
  /** Bytes received over every attempt and pass: what crossed the network (the PULLED figure). */
  received?: number;
  warning?: string;
  /** Set when the host itself could not be reached (ssh failed or refused): its other sources will fail too. */
  unreachable?: boolean;
  /** The mass-deletion guard: what was measured against the last good pull, or that the operator accepted it. */
  shrink?: { maxShrink: number; baselineFiles?: number; baselineBytes?: number; pendingDeletions?: number; accepted?: boolean; olderArchive?: string };
}

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
