// Delivery outcomes in the catalog (notifications table, migration 007): a failed notification is
// found there as well as in the log. Holds the notifier's description only, never its secrets.
import type { Db } from '../catalog/db.js';

export interface DeliveryRecord {
  runId?: number;
  event: string;
  host?: string;
  notifier: string;
  status: 'ok' | 'failed';
  attempts: number;
  durationMs: number;
  error?: string;
}

/** Records one delivery (success or final failure). */
export function recordDelivery(db: Db, r: DeliveryRecord): void {
  db.prepare('INSERT INTO notifications (run_id, at, event, host, notifier, status, attempts, duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    r.runId ?? null,
    new Date().toISOString(),
    r.event,
    r.host ?? null,
    r.notifier,
    r.status,
    r.attempts,
    r.durationMs,
    r.error ?? null,
  );
}
