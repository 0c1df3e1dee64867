// Catalog records of each repository's size as borg reports it (migration 020): one row per
// measurement, taken after a night's prune, compaction and archive (and after `pullback prune`),
// so the report, its trend chart and the metrics read the size without calling borg.
import type { Catalog } from './catalog.js';

/** A repository's totals as borg reports them (tools/borg/info.ts reads them), in bytes. */
export interface RepositoryTotals {
  /** What the repository holds, deduplicated and compressed. */
  uniqueCsize: number;
  uniqueSize: number;
  /** Every archive's compressed and original sizes, summed before deduplication. */
  totalCsize: number;
  totalSize: number;
}

export interface RepositorySize extends RepositoryTotals {
  measuredAt: Date;
  /** The host whose night (or prune) measured it: hosts sharing a repository see the same sizes. */
  host: string;
}

type Row = { host: string; measured_at: string; unique_csize: number; unique_size: number; total_csize: number; total_size: number };
const COLUMNS = 'host, measured_at, unique_csize, unique_size, total_csize, total_size';
const fromRow = (r: Row): RepositorySize => ({ host: r.host, measuredAt: new Date(r.measured_at), uniqueCsize: r.unique_csize, uniqueSize: r.unique_size, totalCsize: r.total_csize, totalSize: r.total_size });

/** Records `totals` of `repository` as measured now (by `host`'s run `runId`). */
export function recordRepositorySize(catalog: Catalog, repository: string, host: string, runId: number | undefined, totals: RepositoryTotals, at = new Date()): void {
  catalog.db
    .prepare('INSERT INTO repository_sizes (repository, host, run_id, measured_at, unique_csize, unique_size, total_csize, total_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(repository, host, runId ?? null, at.toISOString(), totals.uniqueCsize, totals.uniqueSize, totals.totalCsize, totals.totalSize);
}

/** The newest measurement of `repository` at or before `at` (default: the newest of all); undefined when none was taken by then. */
export function repositorySizeAt(catalog: Catalog, repository: string, at?: Date): RepositorySize | undefined {
  const row = catalog.db
    .prepare(`SELECT ${COLUMNS} FROM repository_sizes WHERE repository = ? AND measured_at <= ? ORDER BY measured_at DESC, id DESC LIMIT 1`)
    .get(repository, at?.toISOString() ?? '9999-12-31T23:59:59.999Z') as Row | undefined;
  return row ? fromRow(row) : undefined;
}
