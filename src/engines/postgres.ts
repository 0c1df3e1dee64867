// PostgreSQL: pg_dump --format=custom per database, pg_dumpall --globals-only for roles, psql for
// queries, pg_restore for checks and restores. The password comes from a .pgpass-format file
// (PGPASSFILE, set with `env` in front of the program) and -w keeps every tool from prompting.
import { firstToken, parseHexCounts, parseHexLines, type DatabaseEngine, type DumpFormatName, type DumpReading, type EngineRunner, type RestoreOptions } from './engine.js';
import { CopyRowCounter } from './pg-copy-counter.js';
import { checkTrailer } from './file-peek.js';
import { connArgs, envPrefix, maintenanceDb, pgDbname, pgIdent, psql, psqlLoadArgv } from './postgres-argv.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeError } from '../errors.js';

export { pgDbname, pgIdent } from './postgres-argv.js';

// Each table's own rows (ONLY: not its inheritance children), ordinary tables only (a partitioned
// table holds no rows itself), none that belongs to an extension (its data is not dumped):
// exactly the tables pg_dump writes one COPY block for.
const ROW_COUNTS_SQL = `SELECT encode(convert_to(n.nspname || '.' || c.relname, 'UTF8'), 'hex'),
  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1`;

const LIST_DATABASES_SQL =
  "SELECT encode(convert_to(datname, 'UTF8'), 'hex') FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname";

/**
 * Reads a pg_dump file whole. Custom format: --list reads only the table of contents at the start;
 * the data read to the end is what notices a dump cut short, and its COPY blocks are counted as
 * they stream by (one line per row), so the counts are those of the dump's own snapshot.
 */
async function readPostgresDump(run: EngineRunner, file: string, format: DumpFormatName): Promise<DumpReading> {
  if (format === 'globals') return { problem: checkTrailer(file, '-- PostgreSQL database cluster dump complete', 'globals dump') };
  if (format === 'sql') {
    const problem = checkTrailer(file, '-- PostgreSQL database dump complete', 'SQL dump');
    if (problem) return { problem };
    try {
      return { rowCounts: await countPlainDumpRows(file) };
    } catch (e) {
      return { problem: `cannot count the rows in the dump: ${describeError(e)}` };
    }
  }
  try {
    await run.run(['pg_restore', '--list', file], { reason: 'pg_restore --list failed' });
  } catch (e) {
    return { problem: (e as Error).message };
  }
  const counter = new CopyRowCounter();
  try {
    await run.run(['pg_restore', '--data-only', '--file=-', file], { reason: 'pg_restore (full read) failed', onStdoutLine: (l) => counter.line(l) });
    return { rowCounts: counter.finish() };
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

/**
 * Rows per table of a plain pg_dump file, read from its COPY blocks (the same lines pg_restore
 * prints for a custom dump); throws on I/O errors, an unreadable COPY line or a block cut short.
 */
export async function countPlainDumpRows(file: string): Promise<Record<string, number>> {
  const counter = new CopyRowCounter({ plain: true });
  const rl = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) counter.line(line);
  return counter.finish();
}

export const postgresEngine: DatabaseEngine = {
  name: 'postgres',
  dumpFormat: { extension: '.pgdump', format: 'custom' },
  globalsFormat: { extension: '.sql', format: 'globals' },
  countsFromDump: false,

  versionArgv: (conn) => psql(conn, 'postgres', 'SHOW server_version'),
  parseVersion: (stdout) => firstToken(stdout, 'PostgreSQL server'),
  listDatabasesArgv: (conn) => psql(conn, 'postgres', LIST_DATABASES_SQL),
  parseDatabaseList: parseHexLines,

  dumpArgv: (conn, database, outFile) => [
    ...envPrefix(conn),
    'pg_dump',
    ...connArgs(conn),
    '--format=custom',
    `--file=${outFile}`,
    `--dbname=${pgDbname(database)}`,
  ],
  globalsDumpArgv: (conn, outFile) => [
    ...envPrefix(conn),
    'pg_dumpall',
    ...connArgs(conn),
    '--globals-only',
    `--file=${outFile}`,
  ],

  async rowCounts(run: EngineRunner, conn, database) {
    return parseHexCounts(await run.run(psql(conn, database, ROW_COUNTS_SQL), { reason: `cannot count rows in ${database}` }));
  },

  async checkDump(run, file, format = 'custom') {
    return (await readPostgresDump(run, file, format)).problem;
  },

  readDump: (run, file, format = 'custom') => readPostgresDump(run, file, format),

  async dumpedDatabase(run, file) {
    const list = await run.run(['pg_restore', '--list', file], { reason: 'pg_restore --list failed' });
    return /^;\s+dbname: (.*)$/m.exec(list)?.[1];
  },

  restoreArgv(conn, database, dumpFile, opts: RestoreOptions = {}) {
    // A plain SQL dump is a psql script; it holds its owners and grants (no --no-owner for it).
    if (opts.format === 'sql') {
      if (!dumpFile) throw new Error('a plain SQL dump is loaded from a file');
      return psqlLoadArgv(conn, database, dumpFile);
    }
    return [
      ...envPrefix(conn),
      'pg_restore',
      ...connArgs(conn),
      '--exit-on-error',
      '--single-transaction',
      ...(opts.noOwner ? ['--no-owner', '--no-privileges'] : []),
      `--dbname=${pgDbname(database)}`,
      ...(dumpFile ? [dumpFile] : []),
    ];
  },
  // Without ON_ERROR_STOP: `CREATE ROLE postgres` fails on every existing server and must not stop the rest.
  restoreGlobalsArgv: (conn, dumpFile) => [
    ...envPrefix(conn),
    'psql',
    ...connArgs(conn),
    '-X',
    '-q',
    '--dbname=postgres',
    ...(dumpFile ? ['-f', dumpFile] : []),
  ],
  queryArgv: (conn, database, sql) => psql(conn, database, sql),
  createDatabaseArgv: (conn, database) => psql(conn, 'postgres', `CREATE DATABASE ${pgIdent(database)}`),
  // WITH (FORCE) (PostgreSQL 13+) ends the sessions still connected instead of failing.
  dropDatabaseArgv: (conn, database) => psql(conn, maintenanceDb(database), `DROP DATABASE IF EXISTS ${pgIdent(database)} WITH (FORCE)`),
};
