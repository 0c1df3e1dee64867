// What every JSON document pullback prints (and every webhook payload) shares: a schema_version
// at the top and times in UTC with their zone (docs/json.md). Pure.
import { timeOf } from './stamp.js';

/** The version of every JSON output's schema (docs/schemas/): raised when a field is renamed or removed. */
export const SCHEMA_VERSION = 1;

/** `body` as a document: schema_version first, then its own fields. */
export function jsonDocument<T extends object>(body: T): { schema_version: number } & T {
  return { schema_version: SCHEMA_VERSION, ...body };
}

/**
 * A time as ISO 8601 in UTC with its `Z` (`2026-12-07T02:00:00.000Z`). A string without a zone is
 * read as this machine's local time, as borg writes its archive and file times. Throws on a string
 * that is not a time (a bug: the catalog and borg only give times).
 */
export function utcTime(value: Date | string): string {
  const d = timeOf(value);
  if (!d) throw new Error(`not a time: ${JSON.stringify(String(value))}`);
  return d.toISOString();
}

/** utcTime, or null for no time. */
export function utcTimeOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : utcTime(value);
}
