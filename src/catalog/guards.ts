// Catalog records behind issue 9's guards: repository identities and each source's last good pull.
import type { Catalog } from './catalog.js';

export interface RecordedRepo {
  id: string;
  recordedAt: string;
  how: string;
}

/** The borg repository id recorded for `repository`, or undefined when none was yet. */
export function recordedRepo(catalog: Catalog, repository: string): RecordedRepo | undefined {
  const row = catalog.db.prepare('SELECT repo_id, recorded_at, how FROM repositories WHERE repository = ?').get(repository) as
    | { repo_id: string; recorded_at: string; how: string }
    | undefined;
  return row ? { id: row.repo_id, recordedAt: row.recorded_at, how: row.how } : undefined;
}

/** Records (or replaces, for `pullback init`) the id of the repository at `repository`. */
export function recordRepo(catalog: Catalog, repository: string, id: string, how: 'created' | 'first-seen' | 'init' | 'adopted'): void {
  catalog.db
    .prepare(
      `INSERT INTO repositories (repository, repo_id, recorded_at, how) VALUES (?, ?, ?, ?)
       ON CONFLICT(repository) DO UPDATE SET repo_id = excluded.repo_id, recorded_at = excluded.recorded_at, how = excluded.how`,
    )
    .run(repository, id, new Date().toISOString(), how);
}

/**
 * Archives the catalog ever recorded (pruned ones included) in `repository` or of `host`, anywhere,
 * and the newest of them by time: by name, `<host>-pre-restore-...` sorts after every nightly
 * `<host>-<stamp>` however old it is.
 */
export function archiveHistory(catalog: Catalog, repository: string, host: string): { count: number; last?: string } {
  const where = 'FROM archives WHERE repository = ? OR host = ?';
  const { n } = catalog.db.prepare(`SELECT COUNT(*) AS n ${where}`).get(repository, host) as { n: number };
  const last = catalog.db.prepare(`SELECT name ${where} ORDER BY created_at DESC, id DESC LIMIT 1`).get(repository, host) as { name: string } | undefined;
  return { count: n, last: last?.name };
}

export interface PullBaseline {
  files: number;
  bytes: number;
  recordedAt: string;
  runId?: number;
}

/** The source's last good pull (what the mirror was made equal to), or undefined before the first. */
export function lastGoodPull(catalog: Catalog, host: string, source: string): PullBaseline | undefined {
  const row = catalog.db.prepare('SELECT files, bytes, recorded_at, run_id FROM pull_baselines WHERE host = ? AND source = ?').get(host, source) as
    | { files: number; bytes: number; recorded_at: string; run_id: number | null }
    | undefined;
  return row ? { files: row.files, bytes: row.bytes, recordedAt: row.recorded_at, runId: row.run_id ?? undefined } : undefined;
}

/** Records a completed pull as the source's new baseline. */
export function recordGoodPull(catalog: Catalog, host: string, source: string, files: number, bytes: number, runId?: number): void {
  catalog.db
    .prepare(
      `INSERT INTO pull_baselines (host, source, run_id, files, bytes, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(host, source) DO UPDATE SET run_id = excluded.run_id, files = excluded.files, bytes = excluded.bytes, recorded_at = excluded.recorded_at`,
    )
    .run(host, source, runId ?? null, files, bytes, new Date().toISOString());
}
