// What the catalog knows about how fast a host's data grows, for the free-space preflight: the
// sizes its recent good pulls transferred per source, what its recent archives added, and what was
// pulled after its newest archive.
import type { Catalog } from '../catalog/catalog.js';
import { lastGoodPull } from '../catalog/guards.js';
import type { HostHistory } from './disk-space.js';

/** The growth history of `host` (sources `sources`) in `repository`, newest first, at most `limit` of each. */
export function hostGrowthHistory(catalog: Catalog, repository: string, host: string, sources: readonly string[], limit: number): HostHistory {
  const pulls = catalog.db.prepare(
    `SELECT json_extract(s.details, '$.stats.transferredSize') AS t FROM steps s JOIN runs r ON r.id = s.run_id
     WHERE r.kind = 'run' AND s.host = ? AND s.source = ? AND s.step = 'pull' AND s.status IN ('ok', 'warning')
     ORDER BY s.id DESC LIMIT ?`,
  );
  const archives = catalog.db
    .prepare('SELECT deduplicated_size AS d FROM archives WHERE repository = ? AND host = ? AND deduplicated_size IS NOT NULL ORDER BY created_at DESC LIMIT ?')
    .all(repository, host, limit) as Array<{ d: number }>;
  const newest = catalog.db.prepare('SELECT MAX(run_id) AS r FROM archives WHERE repository = ? AND host = ?').get(repository, host) as { r: number | null };
  const unarchived = catalog.db
    .prepare(
      `SELECT COALESCE(SUM(json_extract(s.details, '$.stats.transferredSize')), 0) AS b FROM steps s JOIN runs r ON r.id = s.run_id
       WHERE r.kind = 'run' AND s.host = ? AND s.step = 'pull' AND s.status IN ('ok', 'warning') AND s.run_id > ?`,
    )
    .get(host, newest.r ?? 0) as { b: number };
  return {
    host,
    sources: sources.map((name) => {
      const transferred = (pulls.all(host, name, limit) as Array<{ t: number | null }>).map((r) => r.t).filter((t): t is number => typeof t === 'number');
      const size = lastGoodPull(catalog, host, name)?.bytes;
      return { name, transferred, ...(size !== undefined ? { size } : {}) };
    }),
    archiveGrowth: archives.map((r) => r.d),
    unarchived: archives.length > 0 ? unarchived.b : 0,
  };
}
