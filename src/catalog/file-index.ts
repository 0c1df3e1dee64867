// The file index of a host's archives (migration 018): which archives are indexed, and for every
// path its versions, each with the range of archives (by sequence number) it was seen in. Written
// one archive at a time (archive/file-index.ts compares its listing with the open versions and
// writes only what changed); read by `pullback find` and `pullback ls`.
import type { Db } from './db.js';

export interface IndexedArchive {
  archive: string;
  seq: number;
  start: string;
  items: number;
}

/** One item of an archive as the index keeps it: what tells one version of a path from another without reading its data. */
export interface IndexedEntry {
  path: string;
  /** borg's: '-' file, 'd' folder, 'l' symlink, ... */
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  /** borg's isomtime (local time, microseconds). */
  mtime: string;
}

/** One version of a path, with the archives (by sequence number) it was seen in. */
export interface IndexedVersion extends IndexedEntry {
  fromSeq: number;
  /** undefined: still in the newest archive indexed. */
  toSeq?: number;
}

/** The version key compared between archives (a change of any of these is a new version). */
export function versionKey(v: Pick<IndexedVersion, 'mode' | 'uid' | 'gid' | 'size' | 'mtime'>): string {
  return `${v.mode} ${v.uid} ${v.gid} ${v.size} ${v.mtime}`;
}

/** The archives of `host` in `repository` that are indexed, oldest first. */
export function indexedArchives(db: Db, repository: string, host: string): IndexedArchive[] {
  return db.prepare('SELECT archive, seq, start, items FROM index_archives WHERE repository = ? AND host = ? ORDER BY seq').all(repository, host) as IndexedArchive[];
}

/** Forgets the whole index of `host` in `repository` (it is rebuilt from borg's listings). */
export function dropIndex(db: Db, repository: string, host: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM index_versions WHERE path_id IN (SELECT id FROM index_paths WHERE repository = ? AND host = ?)').run(repository, host);
    db.prepare('DELETE FROM index_paths WHERE repository = ? AND host = ?').run(repository, host);
    db.prepare('DELETE FROM index_archives WHERE repository = ? AND host = ?').run(repository, host);
  })();
}

/** Each path of the newest indexed archive with its open version's id and key. */
export function openVersions(db: Db, repository: string, host: string): Map<string, { id: number; key: string }> {
  const rows = db
    .prepare(
      `SELECT p.path, v.id, v.mode, v.uid, v.gid, v.size, v.mtime FROM index_versions v JOIN index_paths p ON p.id = v.path_id
       WHERE p.repository = ? AND p.host = ? AND v.to_seq IS NULL`,
    )
    .iterate(repository, host) as IterableIterator<{ path: string; id: number; mode: string; uid: number; gid: number; size: number; mtime: string }>;
  const out = new Map<string, { id: number; key: string }>();
  for (const r of rows) out.set(r.path, { id: r.id, key: versionKey(r) });
  return out;
}

/** What one more archive changed against the newest indexed: versions it ended, versions it began. */
export interface IndexDelta {
  archive: string;
  start: string;
  items: number;
  /** Open versions the archive no longer has (gone, or replaced by a new version). */
  closed: number[];
  /** New versions (paths new, or changed). */
  added: Array<Omit<IndexedVersion, 'fromSeq' | 'toSeq'>>;
}

/** Records `delta` as the archive after the newest indexed one, in one transaction; returns its sequence number and the ids of its new versions (in `delta.added`'s order). */
export function appendToIndex(db: Db, repository: string, host: string, delta: IndexDelta): { seq: number; ids: number[] } {
  return db.transaction(() => {
    const last = db.prepare('SELECT MAX(seq) AS seq FROM index_archives WHERE repository = ? AND host = ?').get(repository, host) as { seq: number | null };
    const prev = last.seq ?? 0;
    const seq = prev + 1;
    const close = db.prepare('UPDATE index_versions SET to_seq = ? WHERE id = ?');
    for (const id of delta.closed) close.run(prev, id);
    const path = db.prepare('INSERT INTO index_paths (repository, host, path, name) VALUES (?, ?, ?, ?) ON CONFLICT (repository, host, path) DO UPDATE SET path = excluded.path RETURNING id');
    const version = db.prepare('INSERT INTO index_versions (path_id, type, mode, uid, gid, size, mtime, from_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const ids: number[] = [];
    for (const v of delta.added) {
      const { id } = path.get(repository, host, v.path, v.path.slice(v.path.lastIndexOf('/') + 1)) as { id: number };
      ids.push(Number(version.run(id, v.type, v.mode, v.uid, v.gid, v.size, v.mtime, seq).lastInsertRowid));
    }
    db.prepare('INSERT INTO index_archives (repository, host, archive, seq, start, items, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(repository, host, delta.archive, seq, delta.start, delta.items, new Date().toISOString());
    return { seq, ids };
  }).immediate();
}

/** How `find` matches: a glob (`*`, `?`, `[...]`) against the whole path or its last name, else a substring of the path. */
export type PathMatch = { glob: string } | { substring: string };

/** Every version of every path of `host` matching `match` (paths in order, versions oldest first), at most `limitPaths` paths. */
export function matchingVersions(db: Db, repository: string, host: string, match: PathMatch, limitPaths: number): { versions: IndexedVersion[]; morePaths: boolean } {
  // A glob also matches the last name alone.
  const where = 'glob' in match ? '(p.name GLOB @value OR p.path GLOB @value)' : 'instr(p.path, @value) > 0';
  const value = 'glob' in match ? match.glob : match.substring;
  const ids = db
    .prepare(`SELECT p.id FROM index_paths p WHERE p.repository = @repository AND p.host = @host AND ${where} ORDER BY p.path LIMIT @limit`)
    .all({ value, repository, host, limit: limitPaths + 1 }) as Array<{ id: number }>;
  const more = ids.length > limitPaths;
  const chosen = ids.slice(0, limitPaths).map((r) => r.id);
  if (chosen.length === 0) return { versions: [], morePaths: false };
  const rows = db
    .prepare(
      `SELECT p.path, v.type, v.mode, v.uid, v.gid, v.size, v.mtime, v.from_seq AS fromSeq, v.to_seq AS toSeq
       FROM index_versions v JOIN index_paths p ON p.id = v.path_id
       WHERE v.path_id IN (SELECT value FROM json_each(?)) ORDER BY p.path, v.from_seq`,
    )
    .all(JSON.stringify(chosen)) as Array<IndexedVersion & { toSeq: number | null }>;
  return { versions: rows.map((r) => ({ ...r, toSeq: r.toSeq ?? undefined })), morePaths: more };
}

/** The entries directly inside folder `dir` (a path as borg lists it; '' for the archive's top) in the archive with sequence number `seq`. */
export function folderEntries(db: Db, repository: string, host: string, seq: number, dir: string): IndexedVersion[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  // SQLite counts characters (code points), JavaScript UTF-16 units.
  const n = [...prefix].length;
  const rows = db
    .prepare(
      `SELECT p.path, v.type, v.mode, v.uid, v.gid, v.size, v.mtime, v.from_seq AS fromSeq, v.to_seq AS toSeq
       FROM index_paths p JOIN index_versions v ON v.path_id = p.id
       WHERE p.repository = ? AND p.host = ? AND substr(p.path, 1, ?) = ? AND instr(substr(p.path, ? + 1), '/') = 0 AND length(p.path) > ?
         AND v.from_seq <= ? AND (v.to_seq IS NULL OR v.to_seq >= ?)
       ORDER BY p.path`,
    )
    .all(repository, host, n, prefix, n, n, seq, seq) as Array<IndexedVersion & { toSeq: number | null }>;
  return rows.map((r) => ({ ...r, toSeq: r.toSeq ?? undefined }));
}

/** The version of `path` in the archive with sequence number `seq`, or undefined when it has none. */
export function entryAt(db: Db, repository: string, host: string, seq: number, path: string): IndexedVersion | undefined {
  const r = db
    .prepare(
      `SELECT p.path, v.type, v.mode, v.uid, v.gid, v.size, v.mtime, v.from_seq AS fromSeq, v.to_seq AS toSeq
       FROM index_paths p JOIN index_versions v ON v.path_id = p.id
       WHERE p.repository = ? AND p.host = ? AND p.path = ? AND v.from_seq <= ? AND (v.to_seq IS NULL OR v.to_seq >= ?)`,
    )
    .get(repository, host, path, seq, seq) as (IndexedVersion & { toSeq: number | null }) | undefined;
  return r && { ...r, toSeq: r.toSeq ?? undefined };
}
