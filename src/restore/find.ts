// `pullback find`: every version of the paths matching a pattern across the archives kept, newest
// first, each with whether it differs from the archive before it, and where a path went away.
// Pure: the command refreshes the file index and reads the versions (catalog/file-index.ts).
import type { IndexedVersion, PathMatch } from '../catalog/file-index.js';
import { shownName } from './browse-format.js';
import { utcText } from '../util/stamp.js';
import { humanBytes, renderTable } from '../util/table.js';

/** Relative to the archive before it: `new` (not there), `changed` (another version), `same`, `deleted` (there before, gone now), `oldest` (the oldest archive kept: nothing to compare). */
export type Change = 'new' | 'changed' | 'same' | 'deleted' | 'oldest';

export interface FoundVersion {
  path: string;
  archive: string;
  /** borg's start time of the archive. */
  time: string;
  change: Change;
  /** Absent for `deleted`. */
  type?: string;
  size?: number;
  mode?: string;
  mtime?: string;
}

/** A pattern as `find` reads it: with `*`, `?` or `[` a glob (whole path or last name), else a substring. */
export function pathMatch(pattern: string): PathMatch {
  return /[*?[]/.test(pattern) ? { glob: pattern } : { substring: pattern };
}

/**
 * The rows of `find` for `versions` (of any number of paths) over `archives` (the archives kept,
 * oldest first, with their index sequence numbers): per path, newest archive first, one row per
 * archive holding it and one where it went away.
 */
export function foundVersions(versions: readonly IndexedVersion[], archives: ReadonlyArray<{ name: string; start: string; seq: number }>): FoundVersion[] {
  const byPath = new Map<string, IndexedVersion[]>();
  for (const v of versions) byPath.set(v.path, [...(byPath.get(v.path) ?? []), v]);
  const out: FoundVersion[] = [];
  for (const [path, vs] of byPath) {
    const at = (seq: number) => vs.find((v) => v.fromSeq <= seq && (v.toSeq === undefined || seq <= v.toSeq));
    const rows: FoundVersion[] = [];
    archives.forEach((a, i) => {
      const v = at(a.seq);
      const prev = i > 0 ? at(archives[i - 1]!.seq) : undefined;
      if (!v) {
        if (prev) rows.push({ path, archive: a.name, time: a.start, change: 'deleted' });
        return;
      }
      const change: Change = i === 0 ? 'oldest' : !prev ? 'new' : prev === v ? 'same' : 'changed';
      rows.push({ path, archive: a.name, time: a.start, change, type: v.type, size: v.size, mode: v.mode, mtime: v.mtime });
    });
    out.push(...rows.reverse());
  }
  return out;
}

const CHANGE_WORDS: Record<Change, string> = { new: 'new', changed: 'changed', same: 'same', deleted: 'DELETED (gone in this archive)', oldest: 'oldest kept' };

/** The rows as text: a block per path (headed by the path as `ls` shows a name: escaped, quoted when it needs it), a line per archive. */
export function formatFound(rows: readonly FoundVersion[], host: string): string {
  if (rows.length === 0) return 'No path of the archives kept matches.';
  const blocks: string[] = [];
  let current: string | undefined;
  let table: string[][] = [];
  const flush = () => {
    if (current === undefined) return;
    const indented = renderTable(['ARCHIVE', 'CREATED', 'SIZE', 'MODE', 'MODIFIED', 'CHANGE'], table).split('\n').map((l) => `  ${l}`);
    blocks.push([shownName(current), ...indented].join('\n'));
  };
  for (const r of rows) {
    if (r.path !== current) {
      flush();
      current = r.path;
      table = [];
    }
    table.push([r.archive, utcText(r.time), r.size === undefined ? '-' : humanBytes(r.size), r.mode ?? '-', r.mtime === undefined ? '-' : utcText(r.mtime), CHANGE_WORDS[r.change]]);
  }
  flush();
  blocks.push(`Restore a version: pullback restore --host ${host} --path PATH --archive ARCHIVE --dry-run`);
  return blocks.join('\n\n');
}
