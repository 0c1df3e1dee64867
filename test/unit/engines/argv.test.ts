// Exact argument arrays of each engine: passwords only through files, outputs through the tools' own options.
import { describe, expect, it } from 'vitest';
import type { DbConnection } from '../../../src/config/types.js';
import { mariadbEngine, mysqlEngine, parseBinlogPosition } from '../../../src/engines/mariadb.js';
import { pgDbname, postgresEngine } from '../../../src/engines/postgres.js';
import { sqliteDotArg, sqliteEngine } from '../../../src/engines/sqlite.js';
import { programOf } from '../../../src/engines/engine.js';

const pg: DbConnection = { host: '10.0.0.5', port: 5433, user: 'backup' };
const pgPw: DbConnection = { ...pg, passwordFile: '/etc/pullback/pg pass' };
const my: DbConnection = { host: '127.0.0.1', port: 3306, user: 'root', passwordFile: '/etc/pullback/my.cnf' };

describe('postgres argv', () => {
  it('dumps in custom format to a file, password through PGPASSFILE', () => {
    expect(postgresEngine.dumpArgv(pgPw, 'appdb', '/srv/d/.appdb.partial')).toEqual([
      'env', 'PGPASSFILE=/etc/pullback/pg pass',
      'pg_dump', '-h', '10.0.0.5', '-p', '5433', '-U', 'backup', '-w',
      '--format=custom', '--file=/srv/d/.appdb.partial', '--dbname=appdb',
    ]);
    expect(postgresEngine.dumpArgv(pg, 'appdb', '/x')[0]).toBe('pg_dump');
    expect(postgresEngine.globalsDumpArgv!(pg, '/g.sql')).toEqual(['pg_dumpall', '-h', '10.0.0.5', '-p', '5433', '-U', 'backup', '-w', '--globals-only', '--file=/g.sql']);
  });

  it('passes database names that look like connection strings quoted', () => {
    expect(pgDbname('plain')).toBe('plain');
    expect(pgDbname("a=b'c")).toBe("dbname='a=b\\'c'");
    expect(pgDbname('postgresql://evil')).toBe("dbname='postgresql://evil'");
  });

  it('restores with pg_restore in one transaction, stopping at the first error', () => {
    expect(postgresEngine.restoreArgv(pg, 'scratch', '/tmp/a.pgdump', { noOwner: true })).toEqual([
      'pg_restore', '-h', '10.0.0.5', '-p', '5433', '-U', 'backup', '-w',
      '--exit-on-error', '--single-transaction', '--no-owner', '--no-privileges', '--dbname=scratch', '/tmp/a.pgdump',
    ]);
    expect(postgresEngine.restoreArgv(pg, 'scratch').at(-1)).toBe('--dbname=scratch'); // stdin
    // A restore never drops objects inside a live database: it restores into a fresh one (restore/databases/postgres-swap.ts).
    expect(postgresEngine.restoreArgv(pg, 'live', '/a').join(' ')).not.toMatch(/--clean|--if-exists|--create/);
  });

  it('loads a plain SQL dump with psql in one transaction, stopping at the first error', () => {
    expect(postgresEngine.restoreArgv(pg, 'scratch', '/tmp/a.sql', { noOwner: true, format: 'sql' })).toEqual([
      'psql', '-h', '10.0.0.5', '-p', '5433', '-U', 'backup', '-w',
      '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '--dbname=scratch', '-f', '/tmp/a.sql',
    ]);
    expect(() => postgresEngine.restoreArgv(pg, 'scratch', undefined, { format: 'sql' })).toThrow(/from a file/);
  });

  it('quotes identifiers in create and drop', () => {
    expect(postgresEngine.createDatabaseArgv(pg, 'we"ird').at(-1)).toBe('CREATE DATABASE "we""ird"');
    expect(postgresEngine.dropDatabaseArgv(pg, 'x').at(-1)).toBe('DROP DATABASE IF EXISTS "x" WITH (FORCE)');
    expect(postgresEngine.dropDatabaseArgv(pg, 'postgres')).toContain('--dbname=template1');
  });

  it('parses the server version', () => {
    expect(postgresEngine.parseVersion('15.20 (Debian 15.20-0+deb12u1)\n')).toBe('15.20');
    expect(() => postgresEngine.parseVersion('  \n')).toThrow(/version/);
  });
});

describe('mariadb and mysql argv', () => {
  it('puts --defaults-extra-file first and dumps with a consistent snapshot to --result-file', () => {
    expect(mariadbEngine.dumpArgv(my, '-shop', '/srv/d/.shop.partial')).toEqual([
      'mariadb-dump', '--defaults-extra-file=/etc/pullback/my.cnf', '-h', '127.0.0.1', '-P', '3306', '-u', 'root',
      '--single-transaction', '--routines', '--events', '--triggers', '--hex-blob', '--result-file=/srv/d/.shop.partial', '--', '-shop',
    ]);
    expect(mysqlEngine.dumpArgv(my, 'shop', '/x')[0]).toBe('mysqldump');
    expect(mysqlEngine.versionArgv(my)[0]).toBe('mysql');
  });

  it('records the binary log position of the snapshot (--master-data=2) for a source with pitr:, read back from the dump head', () => {
    expect(mariadbEngine.dumpArgv(my, 'shop', '/x', { binlogPosition: true }).slice(8, 15)).toEqual(['--single-transaction', '--routines', '--events', '--triggers', '--hex-blob', '--master-data=2', '--result-file=/x']);
    expect(mariadbEngine.dumpArgv(my, 'shop', '/x', { binlogPosition: false })).not.toContain('--master-data=2');
    const head = "-- MariaDB dump 10.19\n--\n-- Position to start replication or point-in-time recovery from\n--\n\n-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=603;\n";
    expect(parseBinlogPosition(head)).toEqual({ file: 'mysql-bin.000002', position: 603 });
    expect(parseBinlogPosition("-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000010', SOURCE_LOG_POS=157;\n")).toEqual({ file: 'binlog.000010', position: 157 });
    // Only the commented form mariadb-dump writes, at a line start: never a row's text.
    expect(parseBinlogPosition("INSERT INTO t VALUES ('-- CHANGE MASTER TO MASTER_LOG_FILE=''x'', MASTER_LOG_POS=1;');\n")).toBeUndefined();
  });

  it('restores from stdin, or from a file with source (aborting on the first error)', () => {
    expect(mariadbEngine.restoreArgv(my, 'scratch')).toEqual(['mariadb', '--defaults-extra-file=/etc/pullback/my.cnf', '-h', '127.0.0.1', '-P', '3306', '-u', 'root', '--batch', '--database=scratch']);
    expect(mariadbEngine.restoreArgv(my, 'scratch', '/tmp/a b.sql').slice(-3)).toEqual(['--abort-source-on-error', '-e', 'source /tmp/a b.sql']);
    expect(() => mariadbEngine.restoreArgv(my, 'scratch', '/tmp/a\nb.sql')).toThrow(/line break/);
  });

  it("gives Oracle's mysql client no MariaDB-only option", () => {
    expect(mysqlEngine.restoreArgv(my, 'scratch', '/tmp/a b.sql')).toEqual([
      'mysql', '--defaults-extra-file=/etc/pullback/my.cnf', '-h', '127.0.0.1', '-P', '3306', '-u', 'root', '--batch', '--database=scratch', '-e', 'source /tmp/a b.sql',
    ]);
    for (const argv of [mysqlEngine.restoreArgv(my, 's', '/f'), mysqlEngine.dumpArgv(my, 's', '/f'), mysqlEngine.queryArgv(my, 's', 'SELECT 1'), mysqlEngine.versionArgv(my)]) {
      expect(argv.filter((a) => a.startsWith('--')).filter((a) => ['--abort-source-on-error'].includes(a))).toEqual([]);
    }
  });

  it('quotes identifiers with backquotes', () => {
    expect(mariadbEngine.createDatabaseArgv(my, 'a`b').at(-1)).toBe('CREATE DATABASE `a``b`');
  });
});

describe('sqlite argv', () => {
  it('backs up a read-only source with the online backup and makes the copy self-contained', () => {
    expect(sqliteEngine.dumpArgv(pg, '/var/lib/app/app.db', '/srv/d/.app.partial')).toEqual([
      'sqlite3', '-readonly', '-bail', '-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 10000', '/var/lib/app/app.db',
      '.backup "/srv/d/.app.partial"', '.open "/srv/d/.app.partial"', 'PRAGMA journal_mode = DELETE',
    ]);
  });

  it('quotes dot-command arguments for the sqlite3 shell', () => {
    expect(sqliteDotArg('/a b/c"d\\e\nf')).toBe('"/a b/c\\"d\\\\e\\nf"');
  });

  it('restores only from a file', () => {
    expect(sqliteEngine.restoreArgv(pg, '/t.db', '/d.sqlite').at(-1)).toBe('.restore "/d.sqlite"');
    expect(() => sqliteEngine.restoreArgv(pg, '/t.db')).toThrow(/file/);
    expect(sqliteEngine.dropDatabaseArgv(pg, '/t.db')).toEqual(['rm', '-f', '--', '/t.db', '/t.db-wal', '/t.db-shm', '/t.db-journal']);
  });
});

describe('programOf', () => {
  it('looks past env assignments', () => {
    expect(programOf(['env', 'PGPASSFILE=/x', 'pg_dump', '-h'])).toBe('pg_dump');
    expect(programOf(['mariadb-dump', '--x'])).toBe('mariadb-dump');
  });
});
