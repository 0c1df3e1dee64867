// Opening the catalog: better-sqlite3 in WAL mode, migrations applied inside one transaction each.
import Database from 'better-sqlite3';
import { ensurePrivateDir, ensurePrivateFile } from '../util/private.js';
import { dirname } from 'node:path';
import { InternalError } from '../errors.js';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

/** Opens (creating if needed) the catalog at `file` and brings its schema up to date. */
export function openCatalogDb(file: string): Db {
  // The catalog and its -wal/-shm (SQLite gives them the database file's mode) are private.
  ensurePrivateDir(dirname(file));
  ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const newest = sorted.at(-1)?.version ?? 0;
  // IMMEDIATE takes the write lock before reading the version: two pullback processes opening a new
  // catalog at once would otherwise both see version 0 and both create the tables.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > newest) {
      throw new InternalError(`catalog schema version ${current} is newer than this pullback knows (${newest})`);
    }
    for (const m of sorted) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
