// Open check failures (migration 012): a failed borg check stays recorded as damage, with the files
// found unreadable, until a whole check of the same kind passes (or a repair is proven).
import { checkHost, type Catalog } from './catalog.js';

/** The files a read-back of archives found unreadable, and how far the search went. */
export interface DamageScan {
  /** Archives read back, newest first, with the files each could not read. */
  archives: Array<{ name: string; damaged: string[]; complete: boolean; error?: string; snapshotOf?: number }>;
  /** False when the search stopped at its bounds (archives, files, time): more files may be damaged. */
  complete: boolean;
  /** Why the search is incomplete or could not run, in plain words. */
  note?: string;
}

export interface CheckDamage {
  repository: string;
  /** '' for the repository check (every host of the repository). */
  host: string;
  kind: string;
  firstFailedAt: string;
  failedAt: string;
  error: string;
  scan?: DamageScan;
}

/** Records a failed check of `kind` (keeping when it first failed) under the check history's key. */
export function recordCheckFailure(catalog: Catalog, repository: string, kind: string, host: string, error: string, at = new Date()): void {
  catalog.db
    .prepare(
      `INSERT INTO check_damage (repository, host, kind, first_failed_at, failed_at, error) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (repository, host, kind) DO UPDATE SET failed_at = excluded.failed_at, error = excluded.error`,
    )
    .run(repository, checkHost(kind, host), kind, at.toISOString(), at.toISOString(), error);
}

/** Stores the files found unreadable with the open failure of `kind`. */
export function recordDamageScan(catalog: Catalog, repository: string, kind: string, host: string, scan: DamageScan): void {
  catalog.db.prepare('UPDATE check_damage SET damaged = ? WHERE repository = ? AND host = ? AND kind = ?').run(JSON.stringify(scan), repository, checkHost(kind, host), kind);
}

/** A whole check of `kind` passed: its open failure (if any) is resolved. */
export function clearCheckFailure(catalog: Catalog, repository: string, kind: string, host: string): void {
  catalog.db.prepare('DELETE FROM check_damage WHERE repository = ? AND host = ? AND kind = ?').run(repository, checkHost(kind, host), kind);
}

/** The open check failures that concern `host`: its own, and its repository's (host ''). */
export function openDamage(catalog: Catalog, repository: string, host: string): CheckDamage[] {
  const rows = catalog.db
    .prepare("SELECT * FROM check_damage WHERE repository = ? AND host IN ('', ?) ORDER BY failed_at DESC, kind")
    .all(repository, host) as Array<{ repository: string; host: string; kind: string; first_failed_at: string; failed_at: string; error: string; damaged: string | null }>;
  return rows.map((r) => ({
    repository: r.repository,
    host: r.host,
    kind: r.kind,
    firstFailedAt: r.first_failed_at,
    failedAt: r.failed_at,
    error: r.error,
    ...(r.damaged ? { scan: JSON.parse(r.damaged) as DamageScan } : {}),
  }));
}
