// Catalog records of whether each source's folder in the mirror is clean (migration 011): the
// nightly marks it dirty before a pull may write to it, clean as of an archive once an archive
// holds exactly what it holds. last-good.ts archives a failed source's folder only while it is clean.
import type { Catalog } from './catalog.js';

/** What the catalog knows of a source's folder in the mirror; `clean` with the archive it equals. */
export type SourceMirrorState = { clean: true; archive: string } | { clean: false };

/** The recorded state of `host`'s `source` folder; undefined when none was recorded (never pulled, or before this record existed). */
export function sourceMirrorState(catalog: Catalog, host: string, source: string): SourceMirrorState | undefined {
  const row = catalog.db.prepare('SELECT clean, archive FROM source_mirrors WHERE host = ? AND source = ?').get(host, source) as
    | { clean: number; archive: string | null }
    | undefined;
  if (!row) return undefined;
  return row.clean === 1 && row.archive !== null ? { clean: true, archive: row.archive } : { clean: false };
}

/** Records the folder's state (dirty: before anything may write to it; clean: it equals `archive`'s copy). */
export function recordSourceMirror(catalog: Catalog, host: string, source: string, state: SourceMirrorState): void {
  catalog.db
    .prepare(
      `INSERT INTO source_mirrors (host, source, clean, archive, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(host, source) DO UPDATE SET clean = excluded.clean, archive = excluded.archive, updated_at = excluded.updated_at`,
    )
    .run(host, source, state.clean ? 1 : 0, state.clean ? state.archive : null, new Date().toISOString());
}
