// Keeping a host's file index (catalog/file-index.ts) up to date with its repository: every nightly
// archive borg lists and the index lacks is listed once (`borg list`, NUL-separated records) and
// added, oldest first; only what changed against the archive before it is written. An index that no
// longer fits borg's listing (an archive older than the newest indexed appeared, e.g. the catalog
// was restored from a copy) is dropped and built again. Pruned archives stay in the index and are
// left out by the readers, which take borg's current listing as the truth.
import type { Catalog } from '../catalog/catalog.js';
import { appendToIndex, dropIndex, indexedArchives, openVersions, versionKey, type IndexDelta, type IndexedArchive } from '../catalog/file-index.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { listIndexItems } from '../tools/borg/list-items.js';
import { listArchives, type ArchiveSummary } from '../tools/borg/list.js';
import type { BorgContext } from '../tools/borg/run.js';

export interface IndexState {
  /** The host's nightly archives borg lists now, oldest first, each with its index sequence number. */
  archives: Array<ArchiveSummary & { seq: number }>;
  /** Archives indexed by this call (their names), oldest first. */
  added: string[];
  /** Whether the index was dropped and built again. */
  rebuilt: boolean;
}

/** Lists `archive` and works out what it changed against the open versions (the paths gone from it in `vanished`). */
export async function indexDelta(borg: BorgContext, repository: string, archive: ArchiveSummary, open: ReadonlyMap<string, { id: number; key: string }>): Promise<IndexDelta & { vanished: string[] }> {
  const delta: IndexDelta & { vanished: string[] } = { archive: archive.name, start: archive.start, items: 0, closed: [], added: [], vanished: [] };
  const seen = new Set<string>();
  const sizes = new Map<string, number>();
  await listIndexItems(borg, repository, archive.name, (item) => {
    if (item.path === '.pullback' || item.path.startsWith('.pullback/')) return;
    delta.items++;
    // A later path of a hard link is listed with size 0: it has its first path's size.
    const size = item.mode.startsWith('h') && item.linktarget ? (sizes.get(item.linktarget) ?? 0) : item.size;
    if (item.type === '-' && !item.mode.startsWith('h')) sizes.set(item.path, item.size);
    const v = { path: item.path, type: item.type, mode: item.mode, uid: item.uid, gid: item.gid, size, mtime: item.mtime };
    seen.add(item.path);
    const before = open.get(item.path);
    if (before && before.key === versionKey(v)) return;
    if (before) delta.closed.push(before.id);
    delta.added.push(v);
  });
  for (const [path, o] of open) {
    if (seen.has(path)) continue;
    delta.closed.push(o.id);
    delta.vanished.push(path);
  }
  return delta;
}

/**
 * Brings the index of `host` up to date with the nightly archives borg lists in `repository` (each
 * missing one listed once); `onArchive` is told before each archive is listed. Throws ToolError.
 */
export async function refreshIndex(borg: BorgContext, catalog: Catalog, repository: string, host: string, onArchive?: (archive: string, n: number, of: number) => void): Promise<IndexState> {
  const listed = await listArchives(borg, repository, nightlyGlob(host));
  let indexed = indexedArchives(catalog.db, repository, host);
  let rebuilt = false;
  // Archives are added after the newest indexed one only (the version ranges follow that order):
  // one borg lists that the index lacks and that is not newer means building it again.
  const known = new Set(indexed.map((a) => a.archive));
  const lastIndexed = indexed.at(-1)?.start;
  if (lastIndexed !== undefined && listed.some((a) => !known.has(a.name) && a.start <= lastIndexed)) {
    dropIndex(catalog.db, repository, host);
    indexed = [];
    rebuilt = true;
  }
  const done = new Set(indexed.map((a) => a.archive));
  const lastStart = indexed.at(-1)?.start;
  const todo = listed.filter((a) => !done.has(a.name) && (lastStart === undefined || a.start > lastStart));
  const added: string[] = [];
  if (todo.length > 0) {
    const open = openVersions(catalog.db, repository, host);
    for (const [i, a] of todo.entries()) {
      onArchive?.(a.name, i + 1, todo.length);
      const delta = await indexDelta(borg, repository, a, open);
      const { ids } = appendToIndex(catalog.db, repository, host, delta);
      added.push(a.name);
      // The open versions are now this archive's (read once, then kept up to date here).
      for (const p of delta.vanished) open.delete(p);
      delta.added.forEach((v, k) => open.set(v.path, { id: ids[k]!, key: versionKey(v) }));
    }
  }
  const seqs = new Map(indexedArchives(catalog.db, repository, host).map((a: IndexedArchive) => [a.archive, a.seq]));
  return { archives: listed.filter((a) => seqs.has(a.name)).map((a) => ({ ...a, seq: seqs.get(a.name)! })), added, rebuilt };
}
