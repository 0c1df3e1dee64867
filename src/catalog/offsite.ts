// Catalog records of off-site copies (migration 008): each copy, verification and refusal.
import type { Catalog } from './catalog.js';

export type OffsiteStatus = 'ok' | 'failed' | 'refused' | 'skipped';

export interface OffsiteRecord {
  runId?: number;
  host: string;
  target: string;
  kind: 'copy' | 'verify';
  location: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  status: OffsiteStatus;
  bytes?: number;
  localBytes?: number;
  localFiles?: number;
  remoteBytes?: number;
  remoteFiles?: number;
  archive?: string;
  checkStatus?: 'ok' | 'failed';
  checkDetail?: string;
  error?: string;
  /** Why an OK copy is only a warning (not a column: check_detail says it too). */
  warning?: string;
}

/** Records one copy or verification. */
export function recordOffsite(catalog: Catalog, r: OffsiteRecord): void {
  catalog.db
    .prepare(
      `INSERT INTO offsite_copies (run_id, host, target, kind, location, started_at, ended_at, duration_ms, status, bytes, local_bytes, local_files,
         remote_bytes, remote_files, archive, check_status, check_detail, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      r.runId ?? null, r.host, r.target, r.kind, r.location, r.startedAt, r.endedAt, r.durationMs, r.status, r.bytes ?? null, r.localBytes ?? null,
      r.localFiles ?? null, r.remoteBytes ?? null, r.remoteFiles ?? null, r.archive ?? null, r.checkStatus ?? null, r.checkDetail ?? null, r.error ?? null,
    );
}

/** The local repository's size at the last successful copy to `target` (the shrink guard's baseline), or undefined. */
export function lastGoodCopy(catalog: Catalog, host: string, target: string): { bytes: number; files: number; at: string; archive?: string } | undefined {
  const row = catalog.db
    .prepare(
      `SELECT local_bytes, local_files, ended_at, archive FROM offsite_copies
       WHERE host = ? AND target = ? AND kind = 'copy' AND status = 'ok' ORDER BY ended_at DESC, id DESC LIMIT 1`,
    )
    .get(host, target) as { local_bytes: number | null; local_files: number | null; ended_at: string; archive: string | null } | undefined;
  return row ? { bytes: row.local_bytes ?? 0, files: row.local_files ?? 0, at: row.ended_at, archive: row.archive ?? undefined } : undefined;
}

/** When the newest off-site copy of `host` on `target` was verified (a copy or verify whose remote check passed), or undefined. */
export function newestVerified(catalog: Catalog, host: string, target: string): { at: string; archive?: string } | undefined {
  const row = catalog.db
    .prepare(
      `SELECT ended_at, archive FROM offsite_copies WHERE host = ? AND target = ? AND status = 'ok' AND check_status = 'ok'
       ORDER BY ended_at DESC, id DESC LIMIT 1`,
    )
    .get(host, target) as { ended_at: string; archive: string | null } | undefined;
  return row ? { at: row.ended_at, archive: row.archive ?? undefined } : undefined;
}

/** The latest attempt (copy or verify, skips left out) of `host` on `target`, or undefined. */
export function lastOffsiteAttempt(catalog: Catalog, host: string, target: string): { at: string; kind: string; status: OffsiteStatus; error?: string } | undefined {
  const row = catalog.db
    .prepare(
      `SELECT ended_at, kind, status, error FROM offsite_copies WHERE host = ? AND target = ? AND status <> 'skipped'
       ORDER BY ended_at DESC, id DESC LIMIT 1`,
    )
    .get(host, target) as { ended_at: string; kind: string; status: OffsiteStatus; error: string | null } | undefined;
  return row ? { at: row.ended_at, kind: row.kind, status: row.status, error: row.error ?? undefined } : undefined;
}

/** The latest outcome of the repository check of `repository` (any night), or undefined when none ran. */
export function lastCheckStatus(catalog: Catalog, repository: string): string | undefined {
  const row = catalog.db.prepare("SELECT status FROM check_history WHERE repository = ? AND host = '' AND kind = 'repository'").get(repository) as { status: string } | undefined;
  return row?.status;
}
