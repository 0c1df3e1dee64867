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

/** Records that pullback is about to run `borg init` at `repository` (before borg runs: a kill mid-init leaves this row). */
export function recordCreationStarted(catalog: Catalog, repository: string, host: string): void {
  catalog.db
    .prepare(
      `INSERT INTO repository_creations (repository, host, started_at) VALUES (?, ?, ?)
       ON CONFLICT(repository) DO UPDATE SET host = excluded.host, started_at = excluded.started_at`,
    )
    .run(repository, host, new Date().toISOString());
}

/** When pullback last started creating `repository` (its own `borg init`), or undefined when it never did. */
export function creationStarted(catalog: Catalog, repository: string): string | undefined {
  const row = catalog.db.prepare('SELECT started_at FROM repository_creations WHERE repository = ?').get(repository) as { started_at: string } | undefined;
  if (row) return row.started_at;
  // Catalogs from before the creations table: a repository the create_repository row made is recorded 'created'.
  const rec = recordedRepo(catalog, repository);
  return rec?.how === 'created' ? rec.recordedAt : undefined;
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

/** A source's figures as an archive's manifest recorded its pull (rsync's "Number of files" and "Total file size"). */
export interface ArchivedFigures {
  archive: string;
  createdAt: string;
  files: number;
  bytes: number;
  /** The pull was let through with --accept-shrink. */
  accepted: boolean;
}

/**
 * What the shrink guard also compares `source` with (issue 20): the newest archive of `host`
 * created at or before `notAfter` that recorded the source's figures, unless a later archive
 * recorded a pull of it let through with --accept-shrink (then the newest such: what the operator
 * accepted is the new normal). Undefined when the catalog holds neither.
 */
export function shrinkReference(catalog: Catalog, host: string, source: string, notAfter: string): ArchivedFigures | undefined {
  const rows = catalog.db
    .prepare(
      `SELECT name, created_at, manifest FROM archives WHERE host = ? AND manifest IS NOT NULL AND name NOT LIKE '%-pre-restore-%'
       ORDER BY created_at DESC, id DESC`,
    )
    .iterate(host) as IterableIterator<{ name: string; created_at: string; manifest: string }>;
  for (const r of rows) {
    const f = figuresOf(r.manifest, source);
    if (!f) continue;
    const figures = { archive: r.name, createdAt: r.created_at, ...f };
    if (r.created_at > notAfter) {
      if (f.accepted) return figures;
      continue;
    }
    return figures;
  }
  return undefined;
}

/** The source's pull figures in a manifest's JSON; undefined when it holds none (left out, never pulled, unreadable). */
function figuresOf(manifest: string, source: string): { files: number; bytes: number; accepted: boolean } | undefined {
  try {
    const m = JSON.parse(manifest) as { sources?: Array<{ name?: string; pull?: { stats?: { files?: unknown; totalSize?: unknown }; shrink?: { accepted?: unknown } } }> };
    const pull = m.sources?.find((s) => s.name === source)?.pull;
    const files = pull?.stats?.files;
    const bytes = pull?.stats?.totalSize;
    if (typeof files !== 'number' || typeof bytes !== 'number') return undefined;
    return { files, bytes, accepted: pull?.shrink?.accepted === true };
  } catch {
    return undefined;
  }
}
