// A granular restore's selection (`restore --path SOURCE/REL/PATH`): which files or folders of which
// source, checked against the archive's own listing. Pure: the listing's items are fed in by the
// plan's one walk of the archive (prepare.ts); the plan carries the result; the executor
// (selection-push.ts) and the safety snapshot (selection-snapshot.ts) act on it.
import { posix } from 'node:path';
import { UsageError } from '../errors.js';
import type { ArchivePaths } from '../tools/borg/flags.js';
import type { ItemSize } from '../tools/borg/list-items.js';

/** One `--path` as given: the source's name and the path inside its folder. */
export interface RequestedPath {
  source: string;
  rel: string;
}

/** One selected file or folder of a source, as the archive holds it. */
export interface SelectedItem {
  /** Relative to the source folder, as borg lists it (no leading or trailing slash). */
  rel: string;
  /** borg's item type: 'd' folder, '-' file, 'l' symlink, ... (absent: not looked up, e.g. a rollback's). */
  type?: string;
  /** Regular files and their bytes at or under it (hard links once per path, like `find -type f`). */
  files: number;
  bytes: number;
}

/** What a granular step restores of its source. */
export interface StepSelection {
  items: SelectedItem[];
  /** Inside a selected folder, delete what the archive does not hold (`--delete`; a rollback always does). */
  delete: boolean;
  /** Paths (relative) removed whole: a rollback's, for what the restore created where nothing was. */
  remove?: string[];
}

/** Why a path inside a source is refused (`..`, `.`, empty segments, absolute, NUL), or undefined. */
export function unsafeSelectedPath(rel: string): string | undefined {
  if (rel.includes('\0')) return 'contains a NUL byte';
  if (rel.startsWith('/')) return 'is absolute (give SOURCE/PATH, relative to the source folder)';
  const segs = rel.split('/');
  if (segs.includes('..')) return 'contains ".." (it would leave the source folder)';
  if (segs.some((s) => s === '.' || s === '')) return 'is not normalized (a "." or an empty segment, or a trailing slash)';
  return undefined;
}

/** `SOURCE/REL/PATH` split and checked; throws UsageError saying why a path is refused. */
export function parsePathArg(value: string, sources?: readonly string[]): RequestedPath {
  const trimmed = value.length > 1 && value.endsWith('/') && !value.endsWith('//') ? value.slice(0, -1) : value;
  const slash = trimmed.indexOf('/');
  const source = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const rel = slash < 0 ? '' : trimmed.slice(slash + 1);
  const shown = JSON.stringify(value);
  if (source === '' || (sources && !sources.includes(source))) {
    const list = sources ? ` (sources: ${sources.join(', ')})` : '';
    throw new UsageError(`--path ${shown}: must start with a source's name${list}, then the path inside its folder`);
  }
  if (rel === '') throw new UsageError(`--path ${shown} names the whole source ${source}: restore it with --only ${source}`);
  // `data//x`: the path inside the source begins with a slash, which is an empty segment here.
  const why = rel.startsWith('/') ? 'is not normalized (an empty segment)' : unsafeSelectedPath(rel);
  if (why) throw new UsageError(`--path ${shown}: the path ${why}; nothing was changed`);
  return { source, rel };
}

/** The paths with those inside another selected path of the same source left out (the folder restores them). */
export function outermost(paths: readonly RequestedPath[]): RequestedPath[] {
  const inside = (a: RequestedPath, b: RequestedPath) => a.source === b.source && a.rel !== b.rel && a.rel.startsWith(`${b.rel}/`);
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = `${p.source}\0${p.rel}`;
    if (seen.has(key) || paths.some((o) => inside(p, o))) return false;
    seen.add(key);
    return true;
  });
}

/** The parents of `rel` inside its source, outermost first (`a/b/c` -> `a`, `a/b`). */
export function parentsOf(rel: string): string[] {
  const segs = rel.split('/');
  return segs.slice(0, -1).map((_, i) => segs.slice(0, i + 1).join('/'));
}

/**
 * Collects, from the archive's items (each given to `push`), the type and figures of every
 * requested path and the types of their parents; `result` then gives the selection per source, or
 * throws UsageError naming every path the archive does not hold or holds through a symlink (the hint
 * to `pullback find` names `host`, the host whose archive it is).
 */
export function selectionCollector(requested: readonly RequestedPath[], archive: string, host = 'HOST') {
  const wanted = outermost(requested);
  const byPath = new Map<string, { req: RequestedPath; item?: SelectedItem }>();
  const parents = new Map<string, string | undefined>();
  for (const r of wanted) {
    byPath.set(`${r.source}/${r.rel}`, { req: r });
    for (const p of parentsOf(r.rel)) parents.set(`${r.source}/${p}`, undefined);
  }
  // Hard links: a later path carries no size; its first path's size counts (as archiveFigures counts).
  const sizes = new Map<string, number>();
  return {
    push(item: ItemSize): void {
      if (item.type === '-' && !item.mode.startsWith('h')) sizes.set(item.path, item.size);
      if (parents.has(item.path)) parents.set(item.path, item.type);
      const own = byPath.get(item.path);
      if (own) own.item = { rel: own.req.rel, type: item.type, files: 0, bytes: 0 };
      if (item.type !== '-') return;
      // Every selected path at or above this file counts it.
      for (const p of [item.path, ...parentsOf(item.path)]) {
        const sel = byPath.get(p);
        if (!sel) continue;
        sel.item ??= { rel: sel.req.rel, files: 0, bytes: 0 };
        sel.item.files++;
        sel.item.bytes += item.mode.startsWith('h') && item.linktarget ? (sizes.get(item.linktarget) ?? 0) : item.size;
      }
    },
    result(): Map<string, SelectedItem[]> {
      const problems: string[] = [];
      const out = new Map<string, SelectedItem[]>();
      for (const [path, { req, item }] of byPath) {
        const linked = parentsOf(req.rel).find((p) => parents.get(`${req.source}/${p}`) === 'l');
        if (linked) problems.push(`${JSON.stringify(path)}: ${req.source}/${linked} is a symlink in ${archive}: pullback does not restore through a symlink (select ${req.source}/${linked} itself)`);
        else if (!item?.type) problems.push(`${JSON.stringify(path)} is not in ${archive} (pullback find --host ${host} ${JSON.stringify(posix.basename(req.rel))} lists the archives that hold it)`);
        else out.set(req.source, [...(out.get(req.source) ?? []), item]);
      }
      if (problems.length) throw new UsageError(`cannot restore the paths asked:\n  ${problems.join('\n  ')}\nnothing was changed`);
      return out;
    },
  };
}

/** The archive paths a granular step extracts: each selected path whole, and its parents alone (their owner, mode and times). */
export function selectionArchivePaths(source: string, sel: StepSelection): { prefix: string[]; exact: string[] } {
  const prefix = sel.items.map((i) => `${source}/${i.rel}`);
  const exact = [...new Set(sel.items.flatMap((i) => parentsOf(i.rel).map((p) => `${source}/${p}`)))];
  return { prefix, exact };
}

/** The paths of an ArchivePaths (prefix ones and exact ones) merged. */
export function mergePaths(a: ArchivePaths, b: { prefix: string[]; exact: string[] }): { prefix: string[]; exact: string[] } {
  return { prefix: [...('prefix' in a ? a.prefix : []), ...b.prefix], exact: [...('exact' in a ? a.exact : []), ...b.exact] };
}
