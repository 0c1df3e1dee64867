// The recovery window of a PITR source (shared: status, list, the report and the metrics read it): the oldest point reachable (the consistency point of the
// oldest base backup an archive still holds) and the newest (the receiver's newest point proven
// received), with a light: red when the newest is older than max_lag, when there is no base
// backup, or when a gap was found and no base backup began after it. Pure over catalog facts.
import type { BaseBackupRecord, ReceiverRecord } from '../catalog/pitr.js';
import type { SourceConfig } from '../config/types.js';
import { parseLsn } from '../engines/postgres-wal.js';

export type WindowLight = 'green' | 'amber' | 'red';

export interface RecoveryWindow {
  host: string;
  source: string;
  oldest?: Date;
  newest?: Date;
  light: WindowLight;
  /** The receiver's state as recorded. */
  receiver?: string;
  lagMs?: number;
  /** Why it is not green. */
  reasons: string[];
  baseBackups: number;
}

/** The window of `source` of `host` from its archived base backups and its receiver's record. */
export function recoveryWindow(host: string, source: SourceConfig, bases: readonly BaseBackupRecord[], rec: ReceiverRecord | undefined, now: Date): RecoveryWindow {
  const reasons: string[] = [];
  // MariaDB/MySQL: binary logs, and the nightly dump (with its log position) is the base backup.
  const binlog = source.pitr?.engine !== undefined && source.pitr.engine !== 'postgres';
  const logs = binlog ? 'binary log' : 'WAL';
  const oldest = bases[0] ? new Date(bases[0].endedAt) : undefined;
  const reached = rec?.reachedAt ? new Date(rec.reachedAt) : undefined;
  const newestBase = bases.at(-1);
  // Without received WAL, the newest point is the newest base backup's own consistency point.
  const newest = reached ?? (newestBase ? new Date(newestBase.endedAt) : undefined);
  const maxLagMs = (source.pitr?.maxLagSeconds ?? 300) * 1000;
  const lagMs = newest ? now.getTime() - newest.getTime() : undefined;
  if (bases.length === 0) reasons.push(`${host}/${source.name}: no ${binlog ? 'dump with a binary log position' : 'base backup'} in an archive yet (the next pullback run takes one)`);
  if (!rec) reasons.push(`${host}/${source.name}: no ${logs} receiver has run (pullback daemon runs it)`);
  if (lagMs === undefined || lagMs > maxLagMs) {
    const state = rec ? `receiver ${rec.state}${rec.lastError ? `: ${rec.lastError}` : ''}` : 'no receiver';
    reasons.push(`${host}/${source.name}: the newest ${logs} received reaches ${newest ? `${Math.round(lagMs! / 1000)} s ago` : 'no point'}, over max_lag ${Math.round(maxLagMs / 1000)} s (${state})`);
  }
  const gapAt = rec?.gapAt ? new Date(rec.gapAt) : undefined;
  if (rec?.gap && !(newestBase && gapAt && new Date(newestBase.startedAt) > gapAt)) reasons.push(`${host}/${source.name}: gap in the ${binlog ? 'binary logs' : 'WAL'}: ${rec.gap}`);
  // The slot's headroom: the WAL the server keeps for it (its position behind the server's) against
  // max_slot_wal_keep_size, past which the server drops the slot (a gap). Red at half of it, long before.
  const held = heldBySlot(rec);
  const keep = rec?.slotKeepSize ? pgSizeBytes(rec.slotKeepSize) : undefined;
  if (held !== undefined && keep !== undefined && keep > 0 && held * 2n > keep) {
    reasons.push(`${host}/${source.name}: slot ${source.pitr?.slot} holds ${mib(held)} of WAL on the server, over half of max_slot_wal_keep_size (${rec!.slotKeepSize}): the receiver falls behind, and at ${rec!.slotKeepSize} the server drops the slot (a gap in the WAL)`);
  }
  const red = reasons.length > 0;
  if (rec?.slotKeepSize === '-1') reasons.push(`${host}/${source.name}: the server's max_slot_wal_keep_size is -1 (unlimited): while the receiver is away, slot ${source.pitr?.slot} keeps WAL until the server's disk is full; set it (docs/pitr.md)`);
  return {
    host,
    source: source.name,
    ...(oldest ? { oldest } : {}),
    ...(newest ? { newest } : {}),
    light: red ? 'red' : reasons.length > 0 ? 'amber' : 'green',
    ...(rec ? { receiver: receiverText(rec, now) } : {}),
    ...(lagMs !== undefined ? { lagMs } : {}),
    reasons,
    baseBackups: bases.length,
  };
}

/** Seconds without a word from a running receiver (it probes every 5 s) before its state is shown as old news. */
const SILENT_MS = 60_000;

/** The receiver's recorded state, said to be old when its daemon stopped writing (killed, machine down). */
function receiverText(rec: ReceiverRecord, now: Date): string {
  const silent = now.getTime() - new Date(rec.updatedAt).getTime();
  return rec.state !== 'stopped' && silent > SILENT_MS ? `${rec.state}, silent ${Math.round(silent / 1000)}s (is pullback daemon running?)` : rec.state;
}

const when = (d: Date | undefined) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

/** The recovery windows as table rows (HOST, SOURCE, PITR, OLDEST, NEWEST, LAG, RECEIVER). */
export function windowRows(ws: readonly RecoveryWindow[]): string[][] {
  return ws.map((w) => [w.host, w.source, w.light.toUpperCase(), when(w.oldest), when(w.newest), w.lagMs === undefined ? '-' : `${Math.round(w.lagMs / 1000)}s`, w.receiver ?? 'never ran']);
}

export const WINDOW_HEADER = ['HOST', 'SOURCE', 'PITR', 'OLDEST POINT', 'NEWEST POINT', 'LAG', 'RECEIVER'];

/** A window as JSON (status, oldest and newest points, lag in seconds, why it is not green). */
export function windowJson(w: RecoveryWindow): unknown {
  return {
    host: w.host,
    source: w.source,
    status: w.light,
    oldest_at: w.oldest?.toISOString() ?? null,
    newest_at: w.newest?.toISOString() ?? null,
    lag_seconds: w.lagMs === undefined ? null : Math.round(w.lagMs / 1000),
    receiver: w.receiver ?? null,
    base_backups: w.baseBackups,
    reasons: w.reasons,
  };
}

/** The WAL the server keeps for the slot: its flush position minus the slot's, from the receiver's last probe. */
function heldBySlot(rec: ReceiverRecord | undefined): bigint | undefined {
  if (!rec?.serverLsn || !rec.receivedLsn) return undefined;
  try {
    const d = parseLsn(rec.serverLsn) - parseLsn(rec.receivedLsn);
    return d > 0n ? d : 0n;
  } catch {
    return undefined;
  }
}

const UNITS: Record<string, bigint> = { B: 1n, kB: 1024n, MB: 1024n ** 2n, GB: 1024n ** 3n, TB: 1024n ** 4n };

/** A PostgreSQL size setting as SHOW prints it (`1GB`, `512MB`, `-1`) in bytes; undefined for -1 or what it cannot read. Pure. */
export function pgSizeBytes(text: string): bigint | undefined {
  const m = /^(\d+)\s*(B|kB|MB|GB|TB)$/.exec(text.trim());
  return m ? BigInt(m[1]!) * UNITS[m[2]!]! : undefined;
}

const mib = (b: bigint) => `${(Number(b) / 1024 / 1024).toFixed(0)} MiB`;
