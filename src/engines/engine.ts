// Database engines behind one interface, in an explicit registry (registry.ts). Each engine knows
// the argv of its own client programs; pullback runs them on the main server over SSH (dumps,
// restores) or locally (verification, drills) through an EngineRunner (runner.ts). Every argv is
// complete on its own: no redirects, no pipes, output files through the tools' own options.
// Passwords come from files named in the connection, never argv: postgres through
// `env PGPASSFILE=<file>` in front of the program, mariadb/mysql through `--defaults-extra-file`.
import type { DbConnection, DumpEngine } from '../config/types.js';

export type DumpFormatName = 'custom' | 'sql' | 'sqlite' | 'globals';

export interface DumpFormat {
  /** File name suffix of a dump of this engine, e.g. `.pgdump`. */
  extension: string;
  format: DumpFormatName;
}

export interface RunSpec {
  /** Short people-facing reason, used in the error when the command fails. */
  reason: string;
  /** Text sent on stdin (SQL), then EOF. */
  input?: string;
  timeoutMs?: number;
  /** Each line of stdout as it comes (never buffered); run() then resolves with ''. */
  onStdoutLine?: (line: string) => void;
}

/** What reading a whole dump file found: the problem that makes it unusable, else its rows per table. */
export interface DumpReading {
  problem?: string;
  /** Rows per table as the dump holds them (keys as rowCounts names tables); absent for formats without tables (globals). */
  rowCounts?: Record<string, number>;
  /** mariadb/mysql dumps taken with `--master-data=2` (sources with pitr:): the binary log position of the dump's snapshot. */
  binlogPosition?: { file: string; position: number };
}

export interface DumpArgvOptions {
  /** mariadb/mysql: record the binary log position of the snapshot in the dump (a source with pitr:). */
  binlogPosition?: boolean;
}

/** Runs an engine's argv somewhere (the main server over SSH, or this machine). */
export interface EngineRunner {
  /** Runs argv; returns its stdout; throws ToolError (message starts with `spec.reason`) unless it exits 0. */
  run(argv: readonly string[], spec: RunSpec): Promise<string>;
}

export interface RestoreOptions {
  /** Do not restore ownership and grants (restores into scratch databases where the roles may not exist; custom format only). */
  noOwner?: boolean;
  /** The dump's format, when not the engine's own dumpFormat (postgres: `sql`, a plain pg_dump file loaded through psql). */
  format?: DumpFormatName;
}

/**
 * A database's own properties beyond its rows and objects, by name: mariadb/mysql `character set`
 * and `collation` of the database and, per routine, trigger and event (`trigger t: collation_connection`),
 * the character set and collations it was created with; sqlite the file's `mode` (4 octal digits),
 * `owner` (numeric `uid:gid`) and `journal mode` (`wal` or `delete`, as its header says). Recorded
 * with the dump, applied by a restore and compared after it.
 */
export type DatabaseProperties = Record<string, string>;

/** What a database's properties should be after a restore, and where that comes from (for the check's figure). */
export interface ExpectedProperties {
  properties: DatabaseProperties;
  /** e.g. `as dumped`, `as the replaced file had them`. */
  from: string;
}

export interface DatabaseEngine {
  readonly name: DumpEngine;
  /** Format of the per-database dump. */
  readonly dumpFormat: DumpFormat;
  /** Format of the cluster-wide dump taken for `databases: all` (postgres roles and tablespaces), if any. */
  readonly globalsFormat?: DumpFormat;
  /** True when the dump is itself a database whose rows rowCounts can count on the server (sqlite). */
  readonly countsFromDump: boolean;

  /** argv printing the server's version on stdout; parse with parseVersion. */
  versionArgv(conn: DbConnection): string[];
  /** The version from versionArgv's stdout (e.g. `15.20`, `10.11.19-MariaDB-0+deb12u1`, `3.40.1`); throws Error if unreadable. */
  parseVersion(stdout: string): string;
  /** argv listing every user database (for `databases: all`); parse with parseDatabaseList. */
  listDatabasesArgv(conn: DbConnection): string[];
  parseDatabaseList(stdout: string): string[];
  /** argv writing a consistent dump of `database` (sqlite: a database file path) to `outFile`. */
  dumpArgv(conn: DbConnection, database: string, outFile: string, opts?: DumpArgvOptions): string[];
  /** argv writing the cluster-wide globals (roles) to `outFile`; only engines with globalsFormat. */
  globalsDumpArgv?(conn: DbConnection, outFile: string): string[];
  /**
   * The properties of `database` as they are now (see DatabaseProperties); absent for engines whose
   * dump carries them itself (postgres). Throws ToolError (e.g. when the database does not exist).
   */
  properties?(run: EngineRunner, conn: DbConnection, database: string): Promise<DatabaseProperties>;
  /** The one argv `properties` runs, where it is one command (mariadb/mysql): restricted keys' allow-lists name it. */
  propertiesArgv?(conn: DbConnection, database: string): string[];
  /** Exact row count per table (`schema.table` for postgres, the table name otherwise). */
  rowCounts(run: EngineRunner, conn: DbConnection, database: string): Promise<Record<string, number>>;
  /**
   * Checks that the dump file `file` (on the machine `run` runs on; its bytes are also read locally
   * for text trailers, so use a local runner) is complete and readable. Returns the problem, or
   * undefined when it is fine. `format` defaults to dumpFormat.format.
   */
  checkDump(run: EngineRunner, file: string, format?: DumpFormatName): Promise<string | undefined>;
  /**
   * Reads the whole dump file `file` on this machine (`run` is a local runner): checks it like
   * checkDump and counts the rows per table it holds, in one pass. The counts describe exactly the
   * dump (its own snapshot), never the live database. Never throws for a bad dump: says why.
   */
  readDump(run: EngineRunner, file: string, format?: DumpFormatName): Promise<DumpReading>;
  /** The database name written inside a dump file (pg_dump custom format: its header), if the format has one. */
  dumpedDatabase?(run: EngineRunner, file: string): Promise<string | undefined>;

  /**
   * argv restoring a dump into `database` (which must exist, except for sqlite, where `database`
   * is the target file path). Without `dumpFile` the dump is read from stdin (not for sqlite).
   */
  restoreArgv(conn: DbConnection, database: string, dumpFile?: string, opts?: RestoreOptions): string[];
  /** argv restoring a globals dump (roles); errors for roles that already exist are not fatal. */
  restoreGlobalsArgv?(conn: DbConnection, dumpFile?: string): string[];
  /** argv running `sql` in `database` and printing result rows tab-separated, without headers (restore and drill checks). */
  queryArgv(conn: DbConnection, database: string, sql: string): string[];
  createDatabaseArgv(conn: DbConnection, database: string): string[];
  /** argv dropping `database` if it exists, whoever is connected (sqlite: removes the file and its -wal/-shm). */
  dropDatabaseArgv(conn: DbConnection, database: string): string[];
}

/** Parses `hex(name)<TAB>count` lines (names hex-encoded so tabs and newlines in names survive). */
export function parseHexCounts(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([0-9A-Fa-f]*)\t(\d+)\r?$/.exec(line);
    if (!m) throw new Error(`unexpected row count line: ${JSON.stringify(line.slice(0, 200))}`);
    out[Buffer.from(m[1]!, 'hex').toString('utf8')] = Number(m[2]);
  }
  return out;
}

/** Parses one name per line, hex-encoded. */
export function parseHexLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      if (!/^[0-9A-Fa-f]*$/.test(l)) throw new Error(`unexpected name line: ${JSON.stringify(l.slice(0, 200))}`);
      return Buffer.from(l, 'hex').toString('utf8');
    });
}

/** The first whitespace-separated token of a version output; throws Error when there is none. */
export function firstToken(stdout: string, what: string): string {
  const t = stdout.trim().split(/\s+/)[0];
  if (!t) throw new Error(`cannot read the ${what} version from ${JSON.stringify(stdout.slice(0, 200))}`);
  return t;
}

/**
 * What the dump key's gate (share/remote/pullback-gate, DB_NAME) accepts for a database name it
 * did not see in the host file: no `=` or `://` (libpq reads a connection string, whose host wins
 * over -h), no leading `-`, no spaces, quotes or line breaks.
 */
const PLAIN_DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.$-]{0,63}$/;
export const PLAIN_DATABASE_NAME_RULE = 'letters, digits, _ . - $, at most 64 characters, not starting with . or -';

/** Whether `name` is a plain database name (PLAIN_DATABASE_NAME_RULE). */
export function isPlainDatabaseName(name: string): boolean {
  return PLAIN_DATABASE_NAME.test(name);
}

/** The program an argv runs, looking past a leading `env NAME=value ...`. */
export function programOf(argv: readonly string[]): string {
  if (argv[0] !== 'env') return argv[0] ?? '';
  return argv.slice(1).find((a) => !a.includes('=')) ?? 'env';
}
