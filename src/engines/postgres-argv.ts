// The argv pieces every PostgreSQL client call shares: the password file through PGPASSFILE, the
// connection options with -w (never prompt), database names that libpq would misread, identifiers.
import type { DbConnection } from '../config/types.js';

/** `env PGPASSFILE=<file>` when the connection has a password file, else nothing. */
export function envPrefix(conn: DbConnection): string[] {
  return conn.passwordFile ? ['env', `PGPASSFILE=${conn.passwordFile}`] : [];
}

export function connArgs(conn: DbConnection): string[] {
  return ['-h', conn.host, '-p', String(conn.port), '-U', conn.user, '-w'];
}

/**
 * The --dbname value for a database name. libpq treats a dbname with `=` or a URI prefix as a
 * connection string, so such names are passed as a quoted `dbname='...'` connection string.
 */
export function pgDbname(database: string): string {
  if (!database.includes('=') && !/^postgres(ql)?:\/\//.test(database)) return database;
  return `dbname='${database.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** A double-quoted SQL identifier. */
export function pgIdent(name: string): string {
  return `"${name.split('"').join('""')}"`;
}

export function psql(conn: DbConnection, database: string, sql: string): string[] {
  return [...envPrefix(conn), 'psql', ...connArgs(conn), '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', `--dbname=${pgDbname(database)}`, '-c', sql];
}

/** psql running the SQL script given on stdin, stopping at the first error. */
export function psqlScript(conn: DbConnection, database: string): string[] {
  return [...envPrefix(conn), 'psql', ...connArgs(conn), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', `--dbname=${pgDbname(database)}`, '-f', '-'];
}

/**
 * psql loading the plain SQL dump `dumpFile` (pg_dump --format=plain) into `database` in one
 * transaction, stopping at the first error: a dump that fails half-way leaves nothing behind.
 */
export function psqlLoadArgv(conn: DbConnection, database: string, dumpFile: string): string[] {
  return [...envPrefix(conn), 'psql', ...connArgs(conn), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', `--dbname=${pgDbname(database)}`, '-f', dumpFile];
}

/** A SQL string literal (standard_conforming_strings, the default since 9.1). */
export function pgLiteral(value: string): string {
  return `'${value.split("'").join("''")}'`;
}

/** A table name no dump has: selecting it makes pg_restore print only the database-level entries. */
const NO_TABLE = 'pullback-no-such-table-3f1c0a';

/** The database to connect to for CREATE/ALTER/DROP DATABASE of `database` (never itself). */
export function maintenanceDb(database: string): string {
  return database === 'postgres' ? 'template1' : 'postgres';
}

/** argv printing the database-level part of a custom dump as SQL (CREATE DATABASE, owner, ACL, settings, comment). */
export function databasePropertiesArgv(conn: DbConnection, dumpFile: string): string[] {
  return [...envPrefix(conn), 'pg_restore', '--create', '--schema-only', `--table=${NO_TABLE}`, '--file=-', dumpFile];
}
