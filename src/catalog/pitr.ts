// Catalog records of point-in-time recovery (migration 018): each WAL receiver's state and how far
// its WAL reaches, and the base backups the nights took (with the archive that holds each).
import type { Catalog } from './catalog.js';

export type ReceiverState = 'starting' | 'streaming' | 'retrying' | 'stopped' | 'gap';

export interface ReceiverRecord {
  host: string;
  source: string;
  state: ReceiverState;
  pid?: number;
  updatedAt: string;
  since?: string;
  receivedLsn?: string;
  serverLsn?: string;
  /** Every transaction committed before this time is in the received WAL. */
  reachedAt?: string;
  restarts: number;
  lastError?: string;
  gap?: string;
  gapAt?: string;
  /** The server's max_slot_wal_keep_size (`-1`: unlimited, the slot may fill its disk). */
  slotKeepSize?: string;
}

type Patch = Partial<Omit<ReceiverRecord, 'host' | 'source' | 'updatedAt' | 'restarts'>> & { restarted?: boolean };

const COLUMNS: Record<string, string> = {
  state: 'state',
  pid: 'pid',
  since: 'since',
  receivedLsn: 'received_lsn',
  serverLsn: 'server_lsn',
  reachedAt: 'reached_at',
  lastError: 'last_error',
  gap: 'gap',
  gapAt: 'gap_at',
  slotKeepSize: 'slot_keep_size',
};

/** Updates (or creates) the receiver row of `host`/`source` with the given fields; `null` clears one. */
export function recordReceiver(catalog: Catalog, host: string, source: string, patch: { [K in keyof Patch]: Patch[K] | null }): void {
  const now = new Date().toISOString();
  catalog.db.prepare(`INSERT INTO pitr_receivers (host, source, state, updated_at) VALUES (?, ?, 'starting', ?) ON CONFLICT(host, source) DO NOTHING`).run(host, source, now);
  const sets = ['updated_at = ?'];
  const values: unknown[] = [now];
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'restarted') {
      if (v) sets.push('restarts = restarts + 1');
      continue;
    }
    const col = COLUMNS[k];
    if (!col || v === undefined) continue;
    sets.push(`${col} = ?`);
    values.push(v);
  }
  catalog.db.prepare(`UPDATE pitr_receivers SET ${sets.join(', ')} WHERE host = ? AND source = ?`).run(...values, host, source);
}

/** The receiver row of `host`/`source`, if any receiver ever ran. */
export function receiverRecord(catalog: Catalog, host: string, source: string): ReceiverRecord | undefined {
  const r = catalog.db.prepare('SELECT * FROM pitr_receivers WHERE host = ? AND source = ?').get(host, source) as Record<string, string | number | null> | undefined;
  if (!r) return undefined;
  const opt = (v: string | number | null | undefined) => (v === null || v === undefined ? undefined : String(v));
  return {
    host,
    source,
    state: r.state as ReceiverState,
    pid: r.pid === null ? undefined : Number(r.pid),
    updatedAt: String(r.updated_at),
    since: opt(r.since),
    receivedLsn: opt(r.received_lsn),
    serverLsn: opt(r.server_lsn),
    reachedAt: opt(r.reached_at),
    restarts: Number(r.restarts ?? 0),
    lastError: opt(r.last_error),
    gap: opt(r.gap),
    gapAt: opt(r.gap_at),
    slotKeepSize: opt(r.slot_keep_size),
  };
}

export interface BaseBackupRecord {
  id: number;
  host: string;
  source: string;
  runId?: number;
  startedAt: string;
  /** The oldest point it recovers to. */
  endedAt: string;
  timeline: number;
  startLsn: string;
  endLsn: string;
  startWal: string;
  bytes?: number;
  archive?: string;
}

/** Records a base backup a night took; returns its id. */
export function recordBaseBackup(catalog: Catalog, b: Omit<BaseBackupRecord, 'id'>): number {
  const r = catalog.db
    .prepare('INSERT INTO pitr_base_backups (host, source, run_id, started_at, ended_at, timeline, start_lsn, end_lsn, start_wal, bytes, archive) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(b.host, b.source, b.runId ?? null, b.startedAt, b.endedAt, b.timeline, b.startLsn, b.endLsn, b.startWal, b.bytes ?? null, b.archive ?? null);
  return Number(r.lastInsertRowid);
}

/** Names the archive that holds the base backups `runId` took for `host`. */
export function attachBaseBackupArchive(catalog: Catalog, host: string, runId: number, archive: string): void {
  catalog.db.prepare('UPDATE pitr_base_backups SET archive = ? WHERE host = ? AND run_id = ? AND archive IS NULL').run(archive, host, runId);
}

/**
 * The base backups of `host`/`source` held by an archive the repository still has (not pruned, not
 * vanished), oldest first.
 */
export function archivedBaseBackups(catalog: Catalog, repository: string, host: string, source: string): BaseBackupRecord[] {
  const rows = catalog.db
    .prepare(
      `SELECT b.* FROM pitr_base_backups b JOIN archives a ON a.repository = ? AND a.name = b.archive
       WHERE b.host = ? AND b.source = ? AND a.pruned_at IS NULL AND a.vanished_at IS NULL ORDER BY b.ended_at`,
    )
    .all(repository, host, source) as Array<Record<string, string | number | null>>;
  return rows.map((r) => ({
    id: Number(r.id),
    host,
    source,
    runId: r.run_id === null ? undefined : Number(r.run_id),
    startedAt: String(r.started_at),
    endedAt: String(r.ended_at),
    timeline: Number(r.timeline),
    startLsn: String(r.start_lsn),
    endLsn: String(r.end_lsn),
    startWal: String(r.start_wal),
    bytes: r.bytes === null ? undefined : Number(r.bytes),
    archive: r.archive === null ? undefined : String(r.archive),
  }));
}

/** The dump records (the JSON the dumps table keeps) of `host`/`source` verified without a problem in run `runId`. */
export function runDumpRecords(catalog: Catalog, runId: number, host: string, source: string): unknown[] {
  const rows = catalog.db.prepare("SELECT record FROM dumps WHERE run_id = ? AND host = ? AND source = ? AND status = 'ok' ORDER BY id").all(runId, host, source) as Array<{ record: string | null }>;
  return rows.flatMap((r) => (r.record ? [JSON.parse(r.record) as unknown] : []));
}
