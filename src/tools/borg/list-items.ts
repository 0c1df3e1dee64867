// `borg list REPO::ARCHIVE`: an archive's items, streamed (JSON lines, or NUL-separated mode and
// path records; never buffered whole: an archive can hold millions of items).
import { archivePathArgs, LOCK_WAIT, type ArchivePaths } from './flags.js';
import { runBorg, type BorgContext, borgFailure } from './run.js';
import type { IndexedEntry } from '../../catalog/file-index.js';

/** Lists an archive's items as JSON lines, with the keys pullback needs (sha256 only when asked: it reads chunks). */
export function buildListItemsArgs(repo: string, archive: string, withHash = false, paths?: ArchivePaths): string[] {
  const p = archivePathArgs(paths);
  const args = ['list', ...LOCK_WAIT, '--json-lines'];
  if (withHash) args.push('--format', '{type} {mode} {size} {mtime} {sha256} {path}{NL}');
  return [...args, ...p.options, `${repo}::${archive}`, ...p.paths];
}

/**
 * Lists an archive's items as `MODE PATH` records, each ended by NUL (a path may hold a newline):
 * the least borg formats per item (no JSON, no sizes, owners or times), for walks over every item
 * such as a drill's candidates. MODE's first letter is the type; 'h' marks a hard link.
 */
export function buildListPathsArgs(repo: string, archive: string, paths?: ArchivePaths): string[] {
  const p = archivePathArgs(paths);
  return ['list', ...LOCK_WAIT, '--format', '{mode} {path}{NUL}', ...p.options, `${repo}::${archive}`, ...p.paths];
}

/**
 * Lists an archive's items as two NUL-ended records each: `MODE SIZE HEALTH PATH`, then the link
 * target (empty for anything but a symlink or a later path of a hard link). What a restore plan
 * counts per source (files, bytes, hard links once) and compares with the target, in half the time
 * of `--json-lines` (which formats every item's times, owners and flags as JSON) and a sixth of its
 * bytes. HEALTH is `broken` for a file `borg check --repair` gave all-zero replacement chunks.
 */
export function buildListSizesArgs(repo: string, archive: string): string[] {
  return ['list', ...LOCK_WAIT, '--format', '{mode} {size} {isomtime} {health} {path}{NUL}{linktarget}{NUL}', `${repo}::${archive}`];
}

/** Lists `exact` paths of an archive as `HEALTH PATH` records, each ended by NUL. */
export function buildListHealthArgs(repo: string, archive: string, exact: readonly string[]): string[] {
  const p = archivePathArgs({ exact: [...exact] });
  return ['list', ...LOCK_WAIT, '--format', '{health} {path}{NUL}', ...p.options, `${repo}::${archive}`, ...p.paths];
}

/** Of `exact` paths, those `archive` holds, each with whether borg marks it broken (all-zero replacement chunks). Throws ToolError. */
export async function listHealth(ctx: BorgContext, repo: string, archive: string, exact: readonly string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  const r = await runBorg(ctx, buildListHealthArgs(repo, archive, exact), {
    quiet: true,
    stdoutSeparator: '\0',
    onStdoutLine: (record) => {
      const m = /^(healthy|broken) ([\s\S]*)$/.exec(record);
      if (m) out.set(m[2]!, m[1] === 'broken');
    },
  });
  if (r.verdict.kind === 'failed') throw borgFailure(r, `borg list ${archive}`);
  return out;
}

export interface ArchiveItem {
  type: string; // '-' file, 'd' dir, 'l' symlink, 'h' hard link, ...
  mode: string;
  path: string;
  size: number;
  /** ISO local time as borg prints it. */
  mtime: string;
  /** Present when listed with `withHash`. */
  sha256?: string;
  linktarget?: string;
}

/** Streams every item of `archive` (optionally only `paths`) to `onItem`, one line at a time; throws ToolError when borg fails. */
export async function listItems(
  ctx: BorgContext,
  repo: string,
  archive: string,
  onItem: (item: ArchiveItem) => void,
  opts: { withHash?: boolean; paths?: ArchivePaths } = {},
): Promise<void> {
  const out = await runBorg(ctx, buildListItemsArgs(repo, archive, opts.withHash, opts.paths), {
    quiet: true,
    onStdoutLine: (l) => {
      if (l.trim() === '') return;
      const j = JSON.parse(l) as ArchiveItem & { healthy?: boolean };
      onItem(j);
    },
  });
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg list ${archive}`);
}

/** An item as `listItemPaths` gives it: no times, no owners, no hashes. */
export type ItemPath = Pick<ArchiveItem, 'type' | 'mode' | 'path'>;

/** An item's type from its mode as borg lists it: a hard link's later path ('h...') is a file ('-'). */
function typeOfMode(mode: string): string {
  return mode.startsWith('h') ? '-' : mode[0]!;
}

/** One `MODE PATH` record of buildListPathsArgs; throws on anything else. */
export function parseItemPath(record: string): ItemPath {
  const m = /^(\S+) ([\s\S]*)$/.exec(record);
  if (!m) throw new Error('not a "mode path" record');
  return { type: typeOfMode(m[1]!), mode: m[1]!, path: m[2]! };
}

/**
 * Streams every item of `archive` with only its type, mode and path (NUL-separated records:
 * about half the time of `--json-lines` for borg, and a tenth of its bytes to read here).
 */
export async function listItemPaths(ctx: BorgContext, repo: string, archive: string, onItem: (item: ItemPath) => void, paths?: ArchivePaths): Promise<void> {
  const out = await runBorg(ctx, buildListPathsArgs(repo, archive, paths), {
    quiet: true,
    stdoutSeparator: '\0',
    onStdoutLine: (r) => onItem(parseItemPath(r)),
  });
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg list ${archive}`);
}

/** An item as `listItemSizes` gives it: its modification time, no owners, no hashes; `broken` when borg marks it so (all-zero replacement chunks). */
export type ItemSize = Pick<ArchiveItem, 'type' | 'mode' | 'path' | 'size' | 'mtime' | 'linktarget'> & { broken?: boolean };

/**
 * Folds the record pairs of buildListSizesArgs into items: `MODE SIZE ISOMTIME HEALTH PATH`, then the link target.
 * Returns the function to give each record to; it throws on a record that is neither.
 */
export function itemSizeRecords(onItem: (item: ItemSize) => void): (record: string) => void {
  let pending: Omit<ItemSize, 'linktarget'> | undefined;
  return (record) => {
    if (pending) {
      onItem(record === '' ? pending : { ...pending, linktarget: record });
      pending = undefined;
      return;
    }
    const m = /^(\S+) (\d+) (\S+) (healthy|broken) ([\s\S]*)$/.exec(record);
    if (!m) throw new Error('not a "mode size isomtime health path" record');
    pending = { type: typeOfMode(m[1]!), mode: m[1]!, size: Number(m[2]), mtime: m[3]!, path: m[5]!, ...(m[4] === 'broken' ? { broken: true } : {}) };
  };
}

/** Streams every item of `archive` with its type, mode, size, path and link target (NUL-separated records, never buffered whole). */
export async function listItemSizes(ctx: BorgContext, repo: string, archive: string, onItem: (item: ItemSize) => void): Promise<void> {
  const out = await runBorg(ctx, buildListSizesArgs(repo, archive), { quiet: true, stdoutSeparator: '\0', onStdoutLine: itemSizeRecords(onItem) });
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg list ${archive}`);
}

/** An item as `listIndexItems` gives it (the file index's entry), with the first path of a hard link for a later one (its size is that path's). */
export type IndexItem = IndexedEntry & { linktarget?: string };

/** Lists an archive's items as two NUL-ended records each: `MODE UID GID SIZE ISOMTIME PATH`, then the link target. */
export function buildListIndexArgs(repo: string, archive: string): string[] {
  return ['list', ...LOCK_WAIT, '--format', '{mode} {uid} {gid} {size} {isomtime} {path}{NUL}{linktarget}{NUL}', `${repo}::${archive}`];
}

/** Folds the record pairs of buildListIndexArgs into items; the returned function throws on a record that is neither. */
export function indexItemRecords(onItem: (item: IndexItem) => void): (record: string) => void {
  let pending: IndexItem | undefined;
  return (record) => {
    if (pending) {
      onItem(record === '' ? pending : { ...pending, linktarget: record });
      pending = undefined;
      return;
    }
    const m = /^(\S+) (\d+) (\d+) (\d+) (\S+) ([\s\S]*)$/.exec(record);
    if (!m) throw new Error('not a "mode uid gid size isomtime path" record');
    pending = { type: typeOfMode(m[1]!), mode: m[1]!, uid: Number(m[2]), gid: Number(m[3]), size: Number(m[4]), mtime: m[5]!, path: m[6]! };
  };
}

/** Streams every item of `archive` for the file index (NUL-separated records, never buffered whole); throws ToolError. */
export async function listIndexItems(ctx: BorgContext, repo: string, archive: string, onItem: (item: IndexItem) => void): Promise<void> {
  const out = await runBorg(ctx, buildListIndexArgs(repo, archive), { quiet: true, stdoutSeparator: '\0', onStdoutLine: indexItemRecords(onItem) });
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg list ${archive}`);
}
