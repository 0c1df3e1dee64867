// The drills table (migration 004): a row is written when a drill starts and completed when it
// ends, so even a drill that crashed half-way leaves a trace.
import type { Catalog, CheckStatus } from '../catalog/catalog.js';

export interface DrillProblem {
  path: string;
  reason: string;
}

export interface DrillRecord {
  archive?: string;
  status: CheckStatus;
  filesSampled: number;
  /** The sampled paths (dumps included). */
  sampled: string[];
  bytesRestored: number;
  matches: number;
  mismatches: DrillProblem[];
  changed: DrillProblem[];
  databases: unknown[];
  durationMs: number;
  /** Why it failed; for a drill that did not fail, what it could not verify (unverified, warnings). */
  error?: string;
}

/** Sampled paths kept per drill row (the count is always exact). */
const SAMPLED_KEPT = 1000;

/** Inserts a running drill and returns its id. */
export function startDrill(catalog: Catalog, o: { runId?: number; host: string; repository: string; seed: string }): number {
  const r = catalog.db
    .prepare('INSERT INTO drills (run_id, host, repository, seed, started_at, status) VALUES (?, ?, ?, ?, ?, ?)')
    .run(o.runId ?? null, o.host, o.repository, o.seed, new Date().toISOString(), 'running');
  return Number(r.lastInsertRowid);
}

/** Completes drill `id` with its outcome. */
export function finishDrill(catalog: Catalog, id: number, d: DrillRecord): void {
  catalog.db
    .prepare(
      `UPDATE drills SET archive = ?, ended_at = ?, status = ?, files_sampled = ?, sampled = ?, bytes_restored = ?, matches = ?,
         mismatches = ?, changed_since_backup = ?, changed = ?, databases = ?, duration_ms = ?, error = ? WHERE id = ?`,
    )
    .run(
      d.archive ?? null,
      new Date().toISOString(),
      d.status,
      d.filesSampled,
      JSON.stringify(d.sampled.slice(0, SAMPLED_KEPT)),
      d.bytesRestored,
      d.matches,
      JSON.stringify(d.mismatches),
      d.changed.length,
      JSON.stringify(d.changed),
      JSON.stringify(d.databases),
      d.durationMs,
      d.error ?? null,
      id,
    );
}

export interface DrillRow {
  id: number;
  run_id: number | null;
  host: string;
  repository: string;
  archive: string | null;
  seed: string;
  status: string;
  files_sampled: number;
  sampled: string | null;
  bytes_restored: number;
  matches: number;
  mismatches: string | null;
  changed_since_backup: number;
  databases: string | null;
  duration_ms: number | null;
  error: string | null;
}

/** The drills of a host, newest first (for reports and tests). */
export function drillsOf(catalog: Catalog, host: string, limit = 20): DrillRow[] {
  return catalog.db.prepare('SELECT * FROM drills WHERE host = ? ORDER BY id DESC LIMIT ?').all(host, limit) as DrillRow[];
}
