// Files `pullback check --repair` zero-filled (migration 017): per archive, the items borg gave
// all-zero replacement chunks. A restore refuses them; status is amber for their source until an
// archive made after the repair has passed an archives check (report/freshness-facts.ts).
import type { Catalog } from './catalog.js';

export interface ZeroedFile {
  archive: string;
  path: string;
  host: string;
  repairedAt: string;
}

type Row = { archive: string; path: string; host: string; repaired_at: string };
const toZeroed = (r: Row): ZeroedFile => ({ archive: r.archive, path: r.path, host: r.host, repairedAt: r.repaired_at });

/**
 * Records the files a repair of `repository` zero-filled (the first repair that named one keeps its
 * time), each under its archive's host as the catalog knows it, else `host` (the repaired host).
 */
export function recordZeroed(catalog: Catalog, repository: string, host: string, zeroed: ReadonlyArray<{ archive: string; path: string }>, runId?: number, at = new Date()): void {
  const hostOf = catalog.db.prepare('SELECT host FROM archives WHERE repository = ? AND name = ?');
  const insert = catalog.db.prepare('INSERT OR IGNORE INTO zeroed_files (repository, archive, path, host, repaired_at, run_id) VALUES (?, ?, ?, ?, ?, ?)');
  catalog.db.transaction(() => {
    for (const z of zeroed) {
      const known = hostOf.get(repository, z.archive) as { host: string } | undefined;
      insert.run(repository, z.archive, z.path, known?.host ?? host, at.toISOString(), runId ?? null);
    }
  })();
}

/** A later repair found these files whole again (borg put their original chunks back): no longer zero-filled. */
export function forgetHealed(catalog: Catalog, repository: string, healed: ReadonlyArray<{ archive: string; path: string }>): void {
  const del = catalog.db.prepare('DELETE FROM zeroed_files WHERE repository = ? AND archive = ? AND path = ?');
  catalog.db.transaction(() => healed.forEach((h) => del.run(repository, h.archive, h.path)))();
}

/** The files recorded zero-filled in `archive` of `repository`. */
export function zeroedIn(catalog: Catalog, repository: string, archive: string): ZeroedFile[] {
  const rows = catalog.db.prepare('SELECT archive, path, host, repaired_at FROM zeroed_files WHERE repository = ? AND archive = ? ORDER BY path').all(repository, archive) as Row[];
  return rows.map(toZeroed);
}

/**
 * The files recorded zero-filled in `host`'s archives of `repository` that are still there (not
 * pruned, not gone), newest repair first, then by path and archive (newest archive first).
 */
export function zeroedOfHost(catalog: Catalog, repository: string, host: string): ZeroedFile[] {
  const rows = catalog.db
    .prepare(
      `SELECT z.archive, z.path, z.host, z.repaired_at FROM zeroed_files z
       LEFT JOIN archives a ON a.repository = z.repository AND a.name = z.archive
       WHERE z.repository = ? AND z.host = ? AND a.pruned_at IS NULL AND a.lost_at IS NULL AND a.vanished_at IS NULL
       ORDER BY z.repaired_at DESC, z.path, a.created_at DESC, z.archive DESC`,
    )
    .all(repository, host) as Row[];
  return rows.map(toZeroed);
}

/**
 * The newest archive of `host` in `repository` made after `after` whose manifest holds `source`
 * (pulled, or kept from its last good state), not pruned or gone; undefined when there is none.
 */
export function archivedSince(catalog: Catalog, repository: string, host: string, after: string, source?: string): { name: string; createdAt: string } | undefined {
  const rows = catalog.db
    .prepare(
      `SELECT name, created_at, manifest FROM archives WHERE repository = ? AND host = ? AND created_at > ?
       AND pruned_at IS NULL AND lost_at IS NULL AND vanished_at IS NULL ORDER BY created_at DESC, id DESC`,
    )
    .all(repository, host, after) as Array<{ name: string; created_at: string; manifest: string | null }>;
  const found = rows.find((r) => source === undefined || holdsSource(r.manifest, source));
  return found ? { name: found.name, createdAt: found.created_at } : undefined;
}

function holdsSource(manifest: string | null, source: string): boolean {
  if (!manifest) return false;
  try {
    const m = JSON.parse(manifest) as { sources?: Array<{ name?: unknown; status?: unknown }> };
    return (m.sources ?? []).some((s) => s.name === source && s.status !== 'failed');
  } catch {
    return false;
  }
}

/** `host`'s archives in `repository` matching `glob` that are still there, newest first (at most `limit`). */
export function archivesNewestFirst(catalog: Catalog, repository: string, host: string, glob: string, limit: number): string[] {
  const rows = catalog.db
    .prepare('SELECT name FROM archives WHERE repository = ? AND host = ? AND name GLOB ? AND pruned_at IS NULL AND lost_at IS NULL AND vanished_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?')
    .all(repository, host, glob, limit) as Array<{ name: string }>;
  return rows.map((r) => r.name);
}
