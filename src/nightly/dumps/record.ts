// The `dumps` catalog table (migration 002): one row per dump verified (or refused) in a run. The
// archive a dump went into is the run's archive for that host (archives.run_id, archives.host).
import type { Catalog } from '../../catalog/catalog.js';
import type { DumpRecord } from '../../archive/manifest.js';

export interface VerifiedDump {
  record: DumpRecord;
  /** Taken by pullback in this run (not found in a pulled directory). */
  taken: boolean;
  problem?: string;
}

export interface DumpRow {
  runId: number;
  host: string;
  source: string;
  status: 'ok' | 'failed';
  error?: string;
  taken: boolean;
  /** The archive of the run for that host, once it exists. */
  archive?: string;
  record: DumpRecord;
}

/** Records the verified dumps of one source in one run (first seen: the record's, else now). */
export function recordDumps(catalog: Catalog, at: { runId: number; host: string; source: string }, dumps: readonly VerifiedDump[]): void {
  const stmt = catalog.db.prepare(
    `INSERT INTO dumps (run_id, host, source, file, engine, database, format, server_version, started_at, ended_at, size, sha256, row_counts, taken, status, error, record, recorded_at, first_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = new Date().toISOString();
  catalog.db.transaction(() => {
    for (const d of dumps) {
      const r = d.record;
      stmt.run(
        at.runId, at.host, at.source, r.file, r.engine, r.database, r.format, r.serverVersion ?? null, r.startedAt ?? null,
        r.endedAt ?? null, r.size, r.sha256, r.rowCounts ? JSON.stringify(r.rowCounts) : null, d.taken ? 1 : 0,
        d.problem ? 'failed' : 'ok', d.problem ?? null, JSON.stringify(r), now, r.firstSeenAt ?? now,
      );
    }
  })();
}

/** What pullback saw of a source's dumps before this run: when it first saw each, and when it last looked. */
export interface DumpSightings {
  /** First-seen time per dump, by `sightingKey`. */
  firstSeen: Map<string, string>;
  /** The start of the latest earlier pull of the source whose run recorded its dumps: every dump there then was seen. */
  lastLook?: Date;
}

/** The key of one dump across runs: the same file with the same content is the same dump. */
export const sightingKey = (file: string, sha256: string) => `${file}\0${sha256}`;

/** The source's dumps as seen by the runs before `runId`. */
export function dumpSightings(catalog: Catalog, at: { runId: number; host: string; source: string }): DumpSightings {
  const rows = catalog.db
    .prepare('SELECT file, sha256, MIN(COALESCE(first_seen_at, recorded_at)) AS first FROM dumps WHERE host = ? AND source = ? AND run_id <> ? GROUP BY file, sha256')
    .all(at.host, at.source, at.runId) as Array<{ file: string; sha256: string; first: string }>;
  const look = catalog.db
    .prepare(
      `SELECT MAX(s.started_at) AS at FROM steps s
       WHERE s.host = ? AND s.source = ? AND s.step = 'pull' AND s.run_id <> ?
         AND s.run_id IN (SELECT run_id FROM dumps WHERE host = ? AND source = ?)`,
    )
    .get(at.host, at.source, at.runId, at.host, at.source) as { at: string | null } | undefined;
  return {
    firstSeen: new Map(rows.map((r) => [sightingKey(r.file, r.sha256), r.first])),
    ...(look?.at ? { lastLook: new Date(look.at) } : {}),
  };
}

/** Dumps recorded for a host, newest first, with the archive of their run where one was made. */
export function dumpsOfHost(catalog: Catalog, host: string, opts: { archive?: string; limit?: number } = {}): DumpRow[] {
  const rows = catalog.db
    .prepare(
      `SELECT d.run_id, d.host, d.source, d.status, d.error, d.taken, d.record, a.name AS archive
       FROM dumps d LEFT JOIN archives a ON a.run_id = d.run_id AND a.host = d.host
       WHERE d.host = ? AND (? IS NULL OR a.name = ?)
       ORDER BY d.id DESC LIMIT ?`,
    )
    .all(host, opts.archive ?? null, opts.archive ?? null, opts.limit ?? -1) as Array<{
    run_id: number;
    host: string;
    source: string;
    status: 'ok' | 'failed';
    error: string | null;
    taken: number;
    record: string;
    archive: string | null;
  }>;
  return rows.map((r) => ({
    runId: r.run_id,
    host: r.host,
    source: r.source,
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    taken: r.taken === 1,
    ...(r.archive ? { archive: r.archive } : {}),
    record: JSON.parse(r.record) as DumpRecord,
  }));
}
