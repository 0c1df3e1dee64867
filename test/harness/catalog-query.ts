// Reads a test run's catalog (<state_dir>/catalog.db) read-only, one query at a time.
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The rows of `sql` in the catalog under `stateDir`. */
export function queryCatalog<T>(stateDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(stateDir, 'catalog.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
