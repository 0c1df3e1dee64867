// Scratch PostgreSQL and MariaDB databases on 127.0.0.1 and content fingerprints for restore comparisons.
import { createHash, randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { registerCleanup } from './cleanup.js';

export type Engine = 'postgres' | 'mariadb';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
export const MARIA = { host: '127.0.0.1', port: 3306, user: 'root' } as const;

function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${clean}_${process.pid}_${randomBytes(4).toString('hex')}`.slice(0, 60);
}

/** Runs SQL through psql against `db`; returns unaligned, tab-separated output; throws on error. */
export async function psql(db: string, sql: string): Promise<string> {
  const r = await execa('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', db, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-F', '\t'], {
    input: sql,
  });
  return r.stdout;
}

/** Runs SQL through the mariadb client against `db` (or none); returns batch (tab-separated) output; throws on error. */
export async function mariadb(db: string | undefined, sql: string): Promise<string> {
  const args = ['-h', MARIA.host, '-P', String(MARIA.port), '-u', MARIA.user, '--batch', '--skip-column-names', '--raw'];
  if (db) args.push(db);
  const r = await execa('mariadb', args, { input: sql });
  return r.stdout;
}

/** Creates a uniquely named PostgreSQL database (dropped after the test file) and returns its name. */
export async function createPgDatabase(prefix = 'pbtest'): Promise<string> {
  const name = uniqueName(prefix);
  await psql('postgres', `CREATE DATABASE "${name}";`);
  registerCleanup(() => dropPgDatabase(name));
  return name;
}

/** Drops a PostgreSQL database if it exists, disconnecting its sessions. */
export async function dropPgDatabase(name: string): Promise<void> {
  await psql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE);`);
}

/** Creates a uniquely named MariaDB database (dropped after the test file) and returns its name. */
export async function createMariaDatabase(prefix = 'pbtest'): Promise<string> {
  const name = uniqueName(prefix);
  await mariadb(undefined, `CREATE DATABASE \`${name}\`;`);
  registerCleanup(() => dropMariaDatabase(name));
  return name;
}

/** Drops a MariaDB database if it exists. */
export async function dropMariaDatabase(name: string): Promise<void> {
  await mariadb(undefined, `DROP DATABASE IF EXISTS \`${name}\`;`);
}

export interface TableFingerprint {
  rows: number;
  sha256: string;
}

/** For each base table in `db`: row count and SHA-256 of its rows ordered by every column. */
export async function tableFingerprints(engine: Engine, db: string): Promise<Record<string, TableFingerprint>> {
  const out: Record<string, TableFingerprint> = {};
  for (const table of await listTables(engine, db)) {
    const rows = await orderedRows(engine, db, table);
    const sha256 = createHash('sha256').update(rows.join('\n')).digest('hex');
    out[table] = { rows: rows.length, sha256 };
  }
  return out;
}

async function listTables(engine: Engine, db: string): Promise<string[]> {
  const text =
    engine === 'postgres'
      ? await psql(db, "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;")
      : await mariadb(db, `SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = '${db}' ORDER BY 1;`);
  return text.split('\n').filter((l) => l.length > 0);
}

async function orderedRows(engine: Engine, db: string, table: string): Promise<string[]> {
  if (engine === 'postgres') {
    const [schema, name] = table.split('.', 2) as [string, string];
    const ident = `"${schema}"."${name}"`;
    // Each row as its text form, ordered by that text: independent of physical order and of column types.
    const text = await psql(db, `SELECT t::text FROM ${ident} t ORDER BY 1;`);
    return text.length === 0 ? [] : text.split('\n');
  }
  const cols = (await mariadb(db, `SELECT column_name FROM information_schema.columns WHERE table_schema = '${db}' AND table_name = '${table}' ORDER BY ordinal_position;`))
    .split('\n')
    .filter((l) => l.length > 0)
    .map((c) => `\`${c}\``);
  const list = cols.join(', ');
  const text = await mariadb(db, `SELECT ${list} FROM \`${table}\` ORDER BY ${cols.map((_, i) => i + 1).join(', ')};`);
  return text.length === 0 ? [] : text.split('\n');
}
