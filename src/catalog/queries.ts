// Read-only catalog queries behind `pullback status`, the report and the metrics: what succeeded
// when, per host and per source, and what the checks, drills and archives say.
import type { Catalog } from './catalog.js';
import { checkHost } from './catalog.js';

export interface LastJob {
  runId: number;
  kind: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

/** The host's most recent finished job (a run, check, prune or drill; restores are not its jobs), or undefined. */
export function lastJob(catalog: Catalog, host: string): LastJob | undefined {
  const row = catalog.db
    .prepare(
      `SELECT h.run_id, r.kind, h.status, h.started_at, h.ended_at, h.error FROM host_results h JOIN runs r ON r.id = h.run_id
       WHERE h.host = ? AND r.kind IN ('run', 'check', 'prune', 'drill') AND h.status <> 'running'
       ORDER BY h.started_at DESC, h.id DESC LIMIT 1`,
    )
    .get(host) as { run_id: number; kind: string; status: string; started_at: string; ended_at: string | null; error: string | null } | undefined;
  if (!row) return undefined;
  return { runId: row.run_id, kind: row.kind, status: row.status, startedAt: row.started_at, endedAt: row.ended_at ?? undefined, error: row.error ?? undefined };
}

/** The steps that make a source's backup: a source succeeded in a run when none failed and its pull passed. */
const SOURCE_STEPS = "('dump', 'pull', 'verify')";

/**
 * When the source was last backed up: the end of its steps in the latest nightly run where its
 * dump, pull and verify all passed (ok or warning) and the host's archive step passed too. A
 * partial archive that carried the source's older state is not its success (its pull failed).
 */
export function lastSourceSuccess(catalog: Catalog, host: string, source: string): { at: string; runId: number } | undefined {
  const row = catalog.db
    .prepare(
      `SELECT s.run_id, MAX(s.ended_at) AS at,
              SUM(CASE WHEN s.status NOT IN ('ok', 'warning') THEN 1 ELSE 0 END) AS bad,
              SUM(CASE WHEN s.step = 'pull' AND s.status IN ('ok', 'warning') THEN 1 ELSE 0 END) AS pulled
       FROM steps s JOIN runs r ON r.id = s.run_id
       WHERE r.kind = 'run' AND s.host = ? AND s.source = ? AND s.step IN ${SOURCE_STEPS}
         AND EXISTS (SELECT 1 FROM steps a WHERE a.run_id = s.run_id AND a.host = s.host AND a.step = 'archive' AND a.status IN ('ok', 'warning'))
       GROUP BY s.run_id HAVING bad = 0 AND pulled > 0
       ORDER BY at DESC LIMIT 1`,
    )
    .get(host, source) as { run_id: number; at: string } | undefined;
  return row ? { at: row.at, runId: row.run_id } : undefined;
}

/** The source's latest attempt in a nightly run: failed when any of its steps failed or was interrupted. */
export function lastSourceAttempt(catalog: Catalog, host: string, source: string): { at: string; status: 'ok' | 'warning' | 'failed'; error?: string } | undefined {
  const rows = catalog.db
    .prepare(
      `SELECT s.status, s.error, s.started_at FROM steps s
       WHERE s.host = ? AND s.source = ? AND s.step IN ${SOURCE_STEPS} AND s.status <> 'running'
         AND s.run_id = (SELECT MAX(t.run_id) FROM steps t JOIN runs r ON r.id = t.run_id WHERE r.kind = 'run' AND t.host = ? AND t.source = ? AND t.step IN ${SOURCE_STEPS})
       ORDER BY s.id`,
    )
    .all(host, source, host, source) as Array<{ status: string; error: string | null; started_at: string }>;
  if (rows.length === 0) return undefined;
  const bad = rows.find((r) => r.status !== 'ok' && r.status !== 'warning');
  const warn = rows.find((r) => r.status === 'warning');
  const status = bad ? 'failed' : warn ? 'warning' : 'ok';
  return { at: rows[0]!.started_at, status, error: (bad ?? warn)?.error ?? undefined };
}

export interface CheckRecord {
  kind: string;
  at: string;
  status: string;
}

/** The latest outcome of a check kind for the host (the repository check per repository), or undefined when never run. */
export function lastCheckRecord(catalog: Catalog, repository: string, kind: string, host: string): CheckRecord | undefined {
  const row = catalog.db
    .prepare('SELECT last_run_at, status FROM check_history WHERE repository = ? AND host = ? AND kind = ?')
    .get(repository, checkHost(kind, host), kind) as { last_run_at: string; status: string } | undefined;
  return row ? { kind, at: row.last_run_at, status: row.status } : undefined;
}

export interface RepoStats {
  archives: number;
  /** Sum of the deduplicated sizes of the host's unpruned archives: what they occupy in the repository. */
  deduplicatedSize: number;
  /** Sum of the original sizes of the host's unpruned archives. */
  originalSize: number;
  lastArchive?: { name: string; createdAt: string; partial: boolean };
}

/** The host's unpruned archives in `repository` as the catalog recorded them. */
export function repoStats(catalog: Catalog, repository: string, host: string): RepoStats {
  const row = catalog.db
    .prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(deduplicated_size), 0) AS dedup, COALESCE(SUM(original_size), 0) AS orig
       FROM archives WHERE repository = ? AND host = ? AND pruned_at IS NULL AND name NOT LIKE '%-pre-restore-%'`,
    )
    .get(repository, host) as { n: number; dedup: number; orig: number };
  const last = catalog.db
    .prepare(
      `SELECT name, created_at, manifest FROM archives WHERE repository = ? AND host = ? AND name NOT LIKE '%-pre-restore-%'
       ORDER BY created_at DESC LIMIT 1`,
    )
    .get(repository, host) as { name: string; created_at: string; manifest: string | null } | undefined;
  const out: RepoStats = { archives: row.n, deduplicatedSize: row.dedup, originalSize: row.orig };
  if (last) out.lastArchive = { name: last.name, createdAt: last.created_at, partial: isPartial(last.manifest) };
  return out;
}

/** True for a manifest that says the archive is partial. */
export function isPartial(manifest: string | null): boolean {
  if (!manifest) return false;
  try {
    return Boolean((JSON.parse(manifest) as { partial?: unknown }).partial);
  } catch {
    return false;
  }
}
