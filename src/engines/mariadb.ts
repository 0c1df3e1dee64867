// MariaDB and MySQL: mariadb-dump/mysqldump (--single-transaction for a consistent InnoDB
// snapshot), the mariadb/mysql client for queries and restores. The password comes from an option
// file passed as the first option (`--defaults-extra-file`), never from argv.
import type { DbConnection, DumpEngine } from '../config/types.js';
import { describeError } from '../errors.js';
import { firstToken, parseHexCounts, parseHexLines, type DatabaseEngine, type DatabaseProperties } from './engine.js';
import { createReadStream } from 'node:fs';
import { checkTrailer } from './file-peek.js';
import { InsertRowCounter } from './sql-insert-counter.js';

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

/** The trailer mariadb-dump and mysqldump write as their last line when a dump completed. */
export const MARIADB_TRAILER = '-- Dump completed';

/** A backquoted SQL identifier. */
export function myIdent(name: string): string {
  return `\`${name.split('`').join('``')}\``;
}

function connArgs(conn: DbConnection): string[] {
  // --defaults-extra-file is only honoured as the very first option.
  const pre = conn.passwordFile ? [`--defaults-extra-file=${conn.passwordFile}`] : [];
  return [...pre, '-h', conn.host, '-P', String(conn.port), '-u', conn.user];
}

const ROW_COUNTS_SQL = [
  'SET SESSION group_concat_max_len = 4294967295',
  "SELECT GROUP_CONCAT(CONCAT('SELECT ', QUOTE(HEX(table_name)), ', COUNT(*) FROM `', REPLACE(table_name, '`', '``'), '`') SEPARATOR ' UNION ALL ') INTO @pullback_q FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')",
  "SET @pullback_q = COALESCE(@pullback_q, 'SELECT 1, 1 FROM DUAL WHERE FALSE')",
  'PREPARE pullback_s FROM @pullback_q',
  'EXECUTE pullback_s',
  'DEALLOCATE PREPARE pullback_s',
].join(';\n');

/** Property names of the database's own defaults. */
export const CHARSET = 'character set';
export const COLLATION = 'collation';

// The database's defaults, then each stored object's (hex-encoded name): the character set and
// collations it was created with (the dump's SET statements restore the first two; the third is the
// database's default when the object is created, so it follows the database).
const PROPERTIES_SQL = [
  "SELECT 'DATABASE', '', DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, '' FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
  'SELECT ROUTINE_TYPE, HEX(ROUTINE_NAME), CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()',
  "SELECT 'TRIGGER', HEX(TRIGGER_NAME), CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
  "SELECT 'EVENT', HEX(EVENT_NAME), CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
].join(' UNION ALL ');

/** The properties (see DatabaseProperties) in PROPERTIES_SQL's output; throws Error on a line it cannot read. */
export function parseMariadbProperties(stdout: string): DatabaseProperties {
  const out: DatabaseProperties = {};
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [kind, hexName, a, b, c] = line.replace(/\r$/, '').split('\t');
    if (!kind || hexName === undefined || !a || !b || c === undefined || !/^[0-9A-Fa-f]*$/.test(hexName)) {
      throw new Error(`unexpected properties line: ${JSON.stringify(line.slice(0, 200))}`);
    }
    if (kind === 'DATABASE') {
      out[CHARSET] = a;
      out[COLLATION] = b;
      continue;
    }
    const what = `${kind.toLowerCase()} ${Buffer.from(hexName, 'hex').toString('utf8')}`;
    out[`${what}: character_set_client`] = a;
    out[`${what}: collation_connection`] = b;
    out[`${what}: database collation`] = c;
  }
  return out;
}

const LIST_DATABASES_SQL =
  "SELECT HEX(schema_name) FROM information_schema.schemata WHERE schema_name NOT IN ('information_schema', 'performance_schema', 'sys', 'mysql') ORDER BY schema_name";

/** Rows per table in a mysqldump/mariadb-dump SQL file, read from the file itself; throws on I/O errors or a cut-short dump. */
export async function countSqlDumpRows(file: string): Promise<Record<string, number>> {
  const counter = new InsertRowCounter();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) counter.push(chunk as Buffer);
  return counter.finish();
}

/** A MariaDB/MySQL engine: a DatabaseEngine that also runs SQL with no database selected. */
export interface MariadbEngine extends DatabaseEngine {
  /** argv running `sql` on the server with no database selected, printing rows tab-separated without headers. */
  serverQueryArgv(conn: DbConnection, sql: string): string[];
}

/** An engine for the MariaDB/MySQL family using the given program names. */
export function makeMariadbEngine(name: DumpEngine, programs: MariadbPrograms): MariadbEngine {
  const query = (conn: DbConnection, database: string | undefined, sql: string): string[] => [
    programs.client,
    ...connArgs(conn),
    '--batch',
    '--skip-column-names',
    ...(database !== undefined ? [`--database=${database}`] : []),
    '-e',
    sql,
  ];
  const restoreArgv = (conn: DbConnection, database: string, dumpFile?: string): string[] => {
    const argv = [programs.client, ...connArgs(conn), '--batch', `--database=${database}`];
    if (dumpFile === undefined) return argv; // reads stdin and stops at the first error
    // `source` takes the rest of the line as the file name: no quoting, so no line breaks.
    if (/[\n\r]/.test(dumpFile)) throw new Error(`cannot restore from a file whose name contains a line break: ${JSON.stringify(dumpFile)}`);
    return [...argv, ...(programs.abortSourceOption ? ['--abort-source-on-error'] : []), '-e', `source ${dumpFile}`];
  };
  return {
    name,
    dumpFormat: { extension: '.sql', format: 'sql' },
    countsFromDump: false,

    versionArgv: (conn) => query(conn, undefined, 'SELECT VERSION()'),
    parseVersion: (stdout) => firstToken(stdout, `${name} server`),
    listDatabasesArgv: (conn) => query(conn, undefined, LIST_DATABASES_SQL),
    parseDatabaseList: parseHexLines,

    dumpArgv: (conn, database, outFile) => [
      programs.dump,
      ...connArgs(conn),
      '--single-transaction',
      '--routines',
      '--events',
      '--triggers',
      '--hex-blob',
      `--result-file=${outFile}`,
      '--',
      database,
    ],

    async rowCounts(run, conn, database) {
      return parseHexCounts(await run.run(query(conn, database, ROW_COUNTS_SQL), { reason: `cannot count rows in ${database}` }));
    },

    async checkDump(_run, file) {
      return checkTrailer(file, MARIADB_TRAILER, 'SQL dump');
    },

    async readDump(_run, file) {
      const problem = checkTrailer(file, MARIADB_TRAILER, 'SQL dump');
      if (problem) return { problem };
      try {
        return { rowCounts: await countSqlDumpRows(file) };
      } catch (e) {
        return { problem: `cannot count the rows in the dump: ${describeError(e)}` };
      }
    },

    restoreArgv,
    serverQueryArgv: (conn, sql) => query(conn, undefined, sql),
    properties: async (run, conn, database) =>
      parseMariadbProperties(await run.run(query(conn, database, PROPERTIES_SQL), { reason: `cannot read the character sets and collations of ${database}` })),
    propertiesArgv: (conn, database) => query(conn, database, PROPERTIES_SQL),
    queryArgv: (conn, database, sql) => query(conn, database, sql),
    createDatabaseArgv: (conn, database) => query(conn, undefined, `CREATE DATABASE ${myIdent(database)}`),
    dropDatabaseArgv: (conn, database) => query(conn, undefined, `DROP DATABASE IF EXISTS ${myIdent(database)}`),
  };
}

export const mariadbEngine = makeMariadbEngine('mariadb', { client: 'mariadb', dump: 'mariadb-dump', abortSourceOption: true });
export const mysqlEngine = makeMariadbEngine('mysql', { client: 'mysql', dump: 'mysqldump', abortSourceOption: false });
