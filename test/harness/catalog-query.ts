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

/** Moves the check history back a day: the next run is "the next night", with its checks due. */
export function moveChecksBackADay(stateDir: string): void {
  const db = new Database(join(stateDir, 'catalog.db'));
  try {
    for (const r of db.prepare('SELECT rowid, last_run_at FROM check_history').all() as Array<{ rowid: number; last_run_at: string }>) {
      db.prepare('UPDATE check_history SET last_run_at = ? WHERE rowid = ?').run(new Date(Date.parse(r.last_run_at) - 24 * 3600_000).toISOString(), r.rowid);
    }
  } finally {
    db.close();
  }
}
