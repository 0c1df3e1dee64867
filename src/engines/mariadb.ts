// MariaDB and MySQL as a DatabaseEngine: mariadb-dump/mysqldump for dumps, the mariadb/mysql client
// for queries and restores (their argv in mariadb-argv.ts), and what is read from a dump file or a
// server's answer (trailer, row counts, character sets and collations).
import type { DbConnection, DumpEngine } from '../config/types.js';
import { describeError } from '../errors.js';
import { firstToken, parseHexCounts, parseHexLines, type DatabaseEngine, type DatabaseProperties } from './engine.js';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { checkTrailer } from './file-peek.js';
import { InsertRowCounter } from './sql-insert-counter.js';
import { CHARSET, COLLATION, LIST_DATABASES_SQL, mariadbDumpArgv, parseBinlogPosition, mariadbQueryArgv, mariadbRestoreArgv, myIdent, PROPERTIES_SQL, ROW_COUNTS_SQL, type BinlogPosition, type MariadbPrograms } from './mariadb-argv.js';

export { CHARSET, COLLATION, myIdent, parseBinlogPosition, type BinlogPosition, type MariadbPrograms };

/** The trailer mariadb-dump and mysqldump write as their last line when a dump completed. */
export const MARIADB_TRAILER = '-- Dump completed';

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

/** Rows per table in a mysqldump/mariadb-dump SQL file, read from the file itself; throws on I/O errors or a cut-short dump. */
export async function countSqlDumpRows(file: string): Promise<Record<string, number>> {
  const counter = new InsertRowCounter();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) counter.push(chunk as Buffer);
  return counter.finish();
}

/** The first 64 KiB of a dump as text: where mariadb-dump writes its `--master-data` comment. */
function dumpHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A MariaDB/MySQL engine: a DatabaseEngine that also runs SQL with no database selected. */
export interface MariadbEngine extends DatabaseEngine {
  /** argv running `sql` on the server with no database selected, printing rows tab-separated without headers. */
  serverQueryArgv(conn: DbConnection, sql: string): string[];
}

/** An engine for the MariaDB/MySQL family using the given program names. */
export function makeMariadbEngine(name: DumpEngine, programs: MariadbPrograms): MariadbEngine {
  const query = (conn: DbConnection, database: string | undefined, sql: string) => mariadbQueryArgv(programs, conn, database, sql);
  const restoreArgv = (conn: DbConnection, database: string, dumpFile?: string) => mariadbRestoreArgv(programs, conn, database, dumpFile);
  return {
    name,
    dumpFormat: { extension: '.sql', format: 'sql' },
    countsFromDump: false,

    versionArgv: (conn) => query(conn, undefined, 'SELECT VERSION()'),
    parseVersion: (stdout) => firstToken(stdout, `${name} server`),
    listDatabasesArgv: (conn) => query(conn, undefined, LIST_DATABASES_SQL),
    parseDatabaseList: parseHexLines,

    dumpArgv: (conn, database, outFile, opts) => mariadbDumpArgv(programs, conn, database, outFile, opts),

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
        const binlogPosition = parseBinlogPosition(dumpHead(file));
        return { rowCounts: await countSqlDumpRows(file), ...(binlogPosition ? { binlogPosition } : {}) };
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
