// When pullback first had each host and source in its configuration (migration 020): what a
// "never backed up" alert measures its grace from, so a host added today is not an alarm before its
// first night could have run, and one that never succeeded in weeks is.
import type { Catalog } from './catalog.js';

/**
 * Records `now` as the first sight of each host and source not seen before, or the host's first run
 * when the catalog has an older one (configured before this record existed).
 */
export function noteConfigured(catalog: Catalog, hosts: ReadonlyArray<{ name: string; sources: ReadonlyArray<{ name: string }> }>, now = new Date()): void {
  const insert = catalog.db.prepare(
    `INSERT OR IGNORE INTO configured_since (host, source, first_seen_at)
     VALUES (?, ?, COALESCE((SELECT MIN(started_at) FROM host_results WHERE host = ? AND started_at < ?), ?))`,
  );
  const at = now.toISOString();
  catalog.db.transaction(() => {
    for (const h of hosts) for (const source of ['', ...h.sources.map((s) => s.name)]) insert.run(h.name, source, h.name, at, at);
  })();
}

/** When `host` (key '') and each of its sources were first seen configured; empty when never noted. */
export function configuredSince(catalog: Catalog, host: string): Map<string, Date> {
  const rows = catalog.db.prepare('SELECT source, first_seen_at FROM configured_since WHERE host = ?').all(host) as Array<{ source: string; first_seen_at: string }>;
  return new Map(rows.map((r) => [r.source, new Date(r.first_seen_at)]));
}
