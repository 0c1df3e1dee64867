// The notify_state table (migration 020): what status --notify last told the notifiers about each
// host, source and off-site copy (stale-plan.ts decides from it what to send next).
import type { Db } from '../catalog/db.js';
import type { NotifyStateRow } from './stale-plan.js';

interface Row {
  key: string;
  host: string;
  source: string | null;
  offsite: string | null;
  state: 'stale' | 'fresh';
  since: string;
  notified_at: string | null;
  sent: number;
}

/** Every recorded state, by key. */
export function readNotifyStates(db: Db): Map<string, NotifyStateRow> {
  const rows = db.prepare('SELECT key, host, source, offsite, state, since, notified_at, sent FROM notify_state').all() as Row[];
  return new Map(
    rows.map((r) => [
      r.key,
      {
        host: r.host,
        ...(r.source !== null ? { source: r.source } : {}),
        ...(r.offsite !== null ? { offsite: r.offsite } : {}),
        state: r.state,
        since: r.since,
        ...(r.notified_at !== null ? { notifiedAt: r.notified_at } : {}),
        sent: r.sent,
      },
    ]),
  );
}

/** Writes the state of `key`; undefined deletes it. */
export function writeNotifyState(db: Db, key: string, row: NotifyStateRow | undefined): void {
  if (!row) {
    db.prepare('DELETE FROM notify_state WHERE key = ?').run(key);
    return;
  }
  db.prepare(
    `INSERT INTO notify_state (key, host, source, offsite, state, since, notified_at, sent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET host = excluded.host, source = excluded.source, offsite = excluded.offsite, state = excluded.state, since = excluded.since, notified_at = excluded.notified_at, sent = excluded.sent`,
  ).run(key, row.host, row.source ?? null, row.offsite ?? null, row.state, row.since, row.notifiedAt ?? null, row.sent);
}
