// Shared fixtures of the dump tests: source databases with several awkward tables, and restores
// of archived dumps with the engines' own restore argv, run locally.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { getEngine } from '../../../src/engines/registry.js';
import { localRunner } from '../../../src/engines/runner.js';
import type { DbConnection } from '../../../src/config/types.js';
import { createMariaDatabase, createPgDatabase, MARIA, mariadb, PG, psql, registerCleanup } from '../../harness/index.js';

export const PG_CONN: DbConnection = { ...PG };
export const MARIA_CONN: DbConnection = { ...MARIA };

/** A PostgreSQL database with a few tables (a second schema, odd names (no quotes: the harness fingerprint does not escape them), NULLs, bytea, unicode). */
export async function makePgSource(rows = 500): Promise<string> {
  const db = await createPgDatabase('pbdump_src');
  await psql(
    db,
    `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, note text, created timestamptz DEFAULT '2024-01-02 03:04:05+00');
     INSERT INTO users (name, note) SELECT 'user ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'café ☕ ' || g END FROM generate_series(1, ${rows}) g;
     CREATE TABLE "Weird Name tab" (k int PRIMARY KEY, v bytea);
     INSERT INTO "Weird Name tab" SELECT g, decode(md5(g::text), 'hex') FROM generate_series(1, 40) g;
     CREATE SCHEMA billing;
     CREATE TABLE billing.invoices (id bigint PRIMARY KEY, user_id int REFERENCES users(id), amount numeric(12,2));
     INSERT INTO billing.invoices SELECT g, (g % ${rows}) + 1, g * 1.25 FROM generate_series(1, 120) g;
     CREATE TABLE empty_one (x int);`,
  );
  return db;
}

/** A MariaDB database with a few tables (odd names, NULLs, blobs, unicode, a trigger). */
export async function makeMariaSource(rows = 300): Promise<string> {
  const db = await createMariaDatabase('pbdump_src');
  await mariadb(
    db,
    `CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, note TEXT) CHARACTER SET utf8mb4;
     CREATE TABLE \`odd name\` (k INT PRIMARY KEY, v BLOB);
     CREATE TABLE audit (n INT);
     CREATE TRIGGER users_ai AFTER INSERT ON users FOR EACH ROW INSERT INTO audit VALUES (NEW.id);
     INSERT INTO users (name, note) SELECT CONCAT('user ', seq), IF(seq % 3 = 0, NULL, CONCAT('café ☕ ', seq)) FROM seq_1_to_${rows};
     INSERT INTO \`odd name\` SELECT seq, UNHEX(MD5(seq)) FROM seq_1_to_40;`,
  );
  return db;
}

/** A SQLite database file at `file` with two tables. */
export function makeSqliteSource(file: string, rows = 200): void {
  const sql = [
    'PRAGMA journal_mode = WAL;',
    'CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT, price REAL);',
    `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) INSERT INTO items SELECT x, 'item ' || x, x * 0.5 FROM c;`,
    'CREATE TABLE "tags ""x""" (item INTEGER, tag TEXT);',
    "INSERT INTO \"tags \"\"x\"\"\" SELECT id, 'tag' FROM items WHERE id % 7 = 0;",
  ].join('\n');
  execFileSync('sqlite3', [file], { input: sql });
}

/** `.dump` of a SQLite database (content in rowid order), for comparisons. */
export function sqliteDump(file: string): string {
  return execFileSync('sqlite3', ['-readonly', file, '.dump'], { encoding: 'utf8' }).replace(/^PRAGMA journal_mode.*$/m, '');
}

/** Restores a PostgreSQL custom dump into a new scratch database (dropped after the file); returns its name. */
export async function restorePg(dumpFile: string): Promise<string> {
  const db = await createPgDatabase('pbdump_restored');
  const engine = getEngine('postgres');
  await localRunner().run(engine.restoreArgv(PG_CONN, db, dumpFile, { noOwner: true }), { reason: 'pg_restore' });
  return db;
}

/** Restores a MariaDB SQL dump into a new scratch database (dropped after the file); returns its name. */
export async function restoreMaria(dumpFile: string): Promise<string> {
  const db = await createMariaDatabase('pbdump_restored');
  await localRunner().run(getEngine('mariadb').restoreArgv(MARIA_CONN, db, dumpFile), { reason: 'mariadb restore' });
  return db;
}

/** Restores a SQLite dump into `dir/restored.db` with the engine's argv; returns that path. */
export async function restoreSqlite(dumpFile: string, dir: string): Promise<string> {
  const target = join(dir, 'restored.db');
  await localRunner().run(getEngine('sqlite').restoreArgv({ host: '', port: 0, user: '' }, target, dumpFile), { reason: 'sqlite restore' });
  return target;
}

/** Registers an extra cleanup (re-exported for the tests' convenience). */
export const afterFile = registerCleanup;
