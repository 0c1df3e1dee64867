// The argv of every MariaDB/MySQL client call, pure: the connection options (the password from an
// option file passed as the very first option, never argv), queries, restores and dumps, and the
// SQL pullback sends. mariadb.ts builds the engine from these.
import type { DbConnection } from '../config/types.js';

export interface MariadbPrograms {
  /** The SQL client, e.g. `mariadb` or `mysql`. */
  client: string;
  /** The dump program, e.g. `mariadb-dump` or `mysqldump`. */
  dump: string;
  /**
   * Whether the client has `--abort-source-on-error` (MariaDB's only): MariaDB's client goes on
   * after an error inside `source` without it; Oracle's mysql stops in batch mode and refuses it.
   */
  abortSourceOption: boolean;
}

/** A backquoted SQL identifier. */
export function myIdent(name: string): string {
  return `\`${name.split('`').join('``')}\``;
}

/** The connection options; `--defaults-extra-file` is only honoured as the very first option. */
export function connArgs(conn: DbConnection): string[] {
  const pre = conn.passwordFile ? [`--defaults-extra-file=${conn.passwordFile}`] : [];
  return [...pre, '-h', conn.host, '-P', String(conn.port), '-u', conn.user];
}

/**
 * argv running `sql` (in `database`, or with none selected), rows tab-separated without headers.
 * The SQL is UTF-8 whatever the locale: over SSH there is often none, and the client then speaks
 * latin1, so a non-ASCII name in the SQL would reach the server mangled.
 */
export function mariadbQueryArgv(programs: MariadbPrograms, conn: DbConnection, database: string | undefined, sql: string): string[] {
  return [programs.client, ...connArgs(conn), '--batch', '--skip-column-names', '--default-character-set=utf8mb4', ...(database !== undefined ? [`--database=${database}`] : []), '-e', sql];
}

/** argv restoring a dump into `database`: from `dumpFile` by `source`, or from stdin without one (stops at the first error). */
export function mariadbRestoreArgv(programs: MariadbPrograms, conn: DbConnection, database: string, dumpFile?: string): string[] {
  const argv = [programs.client, ...connArgs(conn), '--batch', `--database=${database}`];
  if (dumpFile === undefined) return argv;
  // `source` takes the rest of the line as the file name: no quoting, so no line breaks.
  if (/[\n\r]/.test(dumpFile)) throw new Error(`cannot restore from a file whose name contains a line break: ${JSON.stringify(dumpFile)}`);
  return [...argv, ...(programs.abortSourceOption ? ['--abort-source-on-error'] : []), '-e', `source ${dumpFile}`];
}

/**
 * argv dumping `database` into `outFile`: one consistent InnoDB snapshot, with routines, events and
 * triggers. With `binlogPosition` (a source with pitr:) also `--master-data=2`: the binary log file
 * and position of that very snapshot, written as a comment (`-- CHANGE MASTER TO MASTER_LOG_FILE=...`)
 * near the top of the dump, where point-in-time recovery starts replaying (parseBinlogPosition).
 */
export function mariadbDumpArgv(programs: MariadbPrograms, conn: DbConnection, database: string, outFile: string, opts: { binlogPosition?: boolean } = {}): string[] {
  return [programs.dump, ...connArgs(conn), '--single-transaction', '--routines', '--events', '--triggers', '--hex-blob', ...(opts.binlogPosition ? ['--master-data=2'] : []), `--result-file=${outFile}`, '--', database];
}

/** Where a dump's snapshot stands in the server's binary log. */
export interface BinlogPosition {
  file: string;
  position: number;
}

/**
 * The binary log position a dump taken with `--master-data=2` names in its head: MariaDB's and
 * MySQL's `-- CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n;`, MySQL 8's
 * `-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='f', SOURCE_LOG_POS=n;`; undefined when there is none. Pure.
 */
export function parseBinlogPosition(head: string): BinlogPosition | undefined {
  const m = /^-- CHANGE (?:MASTER|REPLICATION SOURCE) TO (?:MASTER|SOURCE)_LOG_FILE='([^'\n]+)', (?:MASTER|SOURCE)_LOG_POS=(\d+);/m.exec(head);
  return m ? { file: m[1]!, position: Number(m[2]) } : undefined;
}

/** Property names of the database's own defaults. */
export const CHARSET = 'character set';
export const COLLATION = 'collation';


export const ROW_COUNTS_SQL = [
  'SET SESSION group_concat_max_len = 4294967295',
  "SELECT GROUP_CONCAT(CONCAT('SELECT ', QUOTE(HEX(table_name)), ', COUNT(*) FROM `', REPLACE(table_name, '`', '``'), '`') SEPARATOR ' UNION ALL ') INTO @pullback_q FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')",
  "SET @pullback_q = COALESCE(@pullback_q, 'SELECT 1, 1 FROM DUAL WHERE FALSE')",
  'PREPARE pullback_s FROM @pullback_q',
  'EXECUTE pullback_s',
  'DEALLOCATE PREPARE pullback_s',
].join(';\n');

// The database's defaults, then each stored object's (hex-encoded name): the character set and
// collations it was created with (the dump's SET statements restore the first two; the third is the
// database's default when the object is created, so it follows the database).
export const PROPERTIES_SQL = [
  "SELECT 'DATABASE', '', DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, '' FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
  'SELECT ROUTINE_TYPE, HEX(ROUTINE_NAME), CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()',
  "SELECT 'TRIGGER', HEX(TRIGGER_NAME), CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
  "SELECT 'EVENT', HEX(EVENT_NAME), CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
].join(' UNION ALL ');

export const LIST_DATABASES_SQL =
  "SELECT HEX(schema_name) FROM information_schema.schemata WHERE schema_name NOT IN ('information_schema', 'performance_schema', 'sys', 'mysql') ORDER BY schema_name";
