// Which log entries `pullback logs` prints, and which daily files can hold them. Pure.
import { dayOfLogFile, logDay } from './rotation.js';

export interface LogQuery {
  /** Entries of these hosts (restores and rollbacks onto them too); none: every entry. */
  hosts?: readonly string[];
  /** Entries at or after this time (epoch ms). */
  sinceMs?: number;
  /** pino's numeric level: entries at or above it. */
  minLevel?: number;
  /** Entries of this run. */
  runId?: number;
}

/** True when the parsed entry answers the query. */
export function entryMatches(e: Record<string, unknown>, q: LogQuery): boolean {
  if (q.minLevel !== undefined && !(typeof e.level === 'number' && e.level >= q.minLevel)) return false;
  if (q.sinceMs !== undefined && !(typeof e.time === 'number' && e.time >= q.sinceMs)) return false;
  if (q.runId !== undefined && e.runId !== q.runId) return false;
  if (q.hosts && q.hosts.length > 0 && !q.hosts.some((h) => e.host === h || e.restore === h)) return false;
  return true;
}

/** The log files among `names` that can hold entries since `sinceMs`, oldest first. */
export function logFilesSince(names: readonly string[], sinceMs?: number): string[] {
  const first = sinceMs === undefined ? '' : logDay(new Date(sinceMs));
  return names.filter((n) => (dayOfLogFile(n) ?? '') >= first && dayOfLogFile(n) !== undefined).sort();
}
