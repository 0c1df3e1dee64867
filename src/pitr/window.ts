// The recovery window of a PITR source: the oldest point reachable (the consistency point of the
// oldest base backup an archive still holds) and the newest (the receiver's newest point proven
// received), with a light: red when the newest is older than max_lag, when there is no base
// backup, or when a gap was found and no base backup began after it. Pure over catalog facts.
import type { BaseBackupRecord, ReceiverRecord } from '../catalog/pitr.js';
import type { SourceConfig } from '../config/types.js';

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
  const oldest = bases[0] ? new Date(bases[0].endedAt) : undefined;
  const reached = rec?.reachedAt ? new Date(rec.reachedAt) : undefined;
  const newestBase = bases.at(-1);
  // Without received WAL, the newest point is the newest base backup's own consistency point.
  const newest = reached ?? (newestBase ? new Date(newestBase.endedAt) : undefined);
  const maxLagMs = (source.pitr?.maxLagSeconds ?? 300) * 1000;
  const lagMs = newest ? now.getTime() - newest.getTime() : undefined;
  if (bases.length === 0) reasons.push(`${host}/${source.name}: no base backup in an archive yet (the next pullback run takes one)`);
  if (!rec) reasons.push(`${host}/${source.name}: no WAL receiver has run (pullback daemon runs it)`);
  if (lagMs === undefined || lagMs > maxLagMs) {
    const state = rec ? `receiver ${rec.state}${rec.lastError ? `: ${rec.lastError}` : ''}` : 'no receiver';
    reasons.push(`${host}/${source.name}: the newest WAL received reaches ${newest ? `${Math.round(lagMs! / 1000)} s ago` : 'no point'}, over max_lag ${Math.round(maxLagMs / 1000)} s (${state})`);
  }
  const gapAt = rec?.gapAt ? new Date(rec.gapAt) : undefined;
  if (rec?.gap && !(newestBase && gapAt && new Date(newestBase.startedAt) > gapAt)) reasons.push(`${host}/${source.name}: gap in the WAL: ${rec.gap}`);
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
    oldest: w.oldest?.toISOString() ?? null,
    newest: w.newest?.toISOString() ?? null,
    lag_seconds: w.lagMs === undefined ? null : Math.round(w.lagMs / 1000),
    receiver: w.receiver ?? null,
    base_backups: w.baseBackups,
    reasons: w.reasons,
  };
}
