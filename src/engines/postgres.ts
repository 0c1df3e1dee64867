// PostgreSQL: pg_dump --format=custom per database, pg_dumpall --globals-only for roles, psql for
// queries, pg_restore for checks and restores. The password comes from a .pgpass-format file
// (PGPASSFILE, set with `env` in front of the program) and -w keeps every tool from prompting.
import type { DbConnection } from '../config/types.js';
import { firstToken, parseHexCounts, parseHexLines, type DatabaseEngine, type EngineRunner, type RestoreOptions } from './engine.js';
import { checkTrailer } from './file-peek.js';
import { connArgs, envPrefix, pgDbname, pgIdent, psql } from './postgres-argv.js';
import { maintenanceDb, replacePostgresDatabase } from './postgres-replace.js';

export { pgDbname, pgIdent } from './postgres-argv.js';

const ROW_COUNTS_SQL = `SELECT encode(convert_to(n.nspname || '.' || c.relname, 'UTF8'), 'hex'),
  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1`;

const LIST_DATABASES_SQL =
  "SELECT encode(convert_to(datname, 'UTF8'), 'hex') FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname";

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
    if (format === 'globals') return checkTrailer(file, '-- PostgreSQL database cluster dump complete', 'globals dump');
    if (format === 'sql') return checkTrailer(file, '-- PostgreSQL database dump complete', 'SQL dump');
    // --list reads only the table of contents at the start; reading every entry to /dev/null
    // is what notices a dump cut short.
    for (const argv of [['pg_restore', '--list', file], ['pg_restore', '--file=/dev/null', file]]) {
      try {
        await run.run(argv, { reason: `${argv[1] === '--list' ? 'pg_restore --list' : 'pg_restore (full read)'} failed` });
      } catch (e) {
        return (e as Error).message;
      }
    }
    return undefined;
  },

  async dumpedDatabase(run, file) {
    const list = await run.run(['pg_restore', '--list', file], { reason: 'pg_restore --list failed' });
    return /^;\s+dbname: (.*)$/m.exec(list)?.[1];
  },

  restoreArgv(conn, database, dumpFile, opts: RestoreOptions = {}) {
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
  replaceDatabase: (run, conn, database, dumpFile, opts) => replacePostgresDatabase(run, conn, database, dumpFile, opts),
};
