// The JSON of the browsing commands, `find`, `ls` and `diff` (docs/schemas/): snake_case, times in
// UTC with their zone (borg's archive and file times are local and zoneless), schema_version. Pure.
import type { IndexedEntry } from '../catalog/file-index.js';
import type { DiffEntry } from '../tools/borg/diff.js';
import { jsonDocument, utcTime } from '../util/json-doc.js';
import type { FoundVersion } from './find.js';

/** `pullback find --json`: each version found, newest archive first per path. */
export function findJson(host: string, pattern: string, rows: readonly FoundVersion[], truncated: boolean): unknown {
  return jsonDocument({
    host,
    pattern,
    matches: rows.map((r) => ({
      path: r.path,
      archive: r.archive,
      archive_started_at: utcTime(r.time),
      change: r.change,
      ...(r.type !== undefined ? { type: r.type, size: r.size ?? null, mode: r.mode ?? null, mtime: r.mtime === undefined ? null : utcTime(r.mtime) } : {}),
    })),
    truncated,
  });
}

/** `pullback ls --json`: the entries of one folder of an archive (or the one file asked for). */
export function lsJson(host: string, archive: string, path: string, entries: readonly IndexedEntry[]): unknown {
  return jsonDocument({
    host,
    archive,
    path,
    entries: entries.map((e) => ({ path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.size, mtime: utcTime(e.mtime) })),
  });
}

/** `pullback diff --json`: what changed from one archive to the other. */
export function diffJson(host: string, from: string, to: string, path: string | undefined, changes: readonly DiffEntry[]): unknown {
  return jsonDocument({ host, from, to, path: path ?? null, changes: changes.map((c) => ({ path: c.path, kind: c.kind, detail: c.detail })) });
}
