// The selection of a granular restore (restore --path): what a path may be, how the archive's
// listing says what each one is (and refuses one that is missing or lies through a symlink), and
// how the pushes are grouped and the excludes seen from inside the source.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { outermost, parsePathArg, selectionArchivePaths, selectionCollector } from '../../../src/restore/selection.js';
import { rebaseExcludes, rootOf } from '../../../src/restore/selection-target.js';
import { pushGroups } from '../../../src/restore/selection-push.js';

const refused = (value: string, sources?: string[]) => {
  try {
    parsePathArg(value, sources);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`${value} was accepted`);
};

describe('parsePathArg', () => {
  it('splits SOURCE/PATH and keeps names exactly (spaces, newlines, unicode, leading dashes)', () => {
    expect(parsePathArg('data/docs/file with spaces.txt')).toEqual({ source: 'data', rel: 'docs/file with spaces.txt' });
    expect(parsePathArg('data/-rf', ['data'])).toEqual({ source: 'data', rel: '-rf' });
    expect(parsePathArg('data/new\nline/ünï/')).toEqual({ source: 'data', rel: 'new\nline/ünï' });
  });

  it('refuses what would leave the source or is not one path of it', () => {
    expect(refused('data/../etc')).toContain('contains ".." (it would leave the source folder)');
    expect(refused('data/a/../../b')).toContain('contains ".."');
    expect(refused('data/./a')).toContain('not normalized');
    expect(refused('data//a')).toContain('not normalized');
    expect(refused('/etc/passwd')).toContain("must start with a source's name");
    expect(refused('blobs/x', ['data'])).toBe('--path "blobs/x": must start with a source\'s name (sources: data), then the path inside its folder');
    expect(refused('data')).toContain('restore it with --only data');
    expect(refused('data/a\0b')).toContain('NUL');
  });

  it('leaves out paths inside another selected path, and repeats', () => {
    const p = (rel: string, source = 'data') => ({ source, rel });
    expect(outermost([p('docs/a'), p('docs'), p('docs'), p('docsx'), p('docs/a', 'blobs')])).toEqual([p('docs'), p('docsx'), p('docs/a', 'blobs')]);
  });
});

describe('selectionCollector', () => {
  const item = (mode: string, size: number, path: string, linktarget?: string) => ({ type: mode.startsWith('h') ? '-' : mode[0]!, mode, size, path, ...(linktarget ? { linktarget } : {}) });

  it('gives each selected path its type and the files and bytes at or under it (a later hard link counted with its first path\'s size)', () => {
    const c = selectionCollector([{ source: 'data', rel: 'docs' }, { source: 'data', rel: 'one.txt' }], 'main-1');
    for (const i of [item('drwxr-xr-x', 0, 'data'), item('drwxr-xr-x', 0, 'data/docs'), item('-rw-r--r--', 10, 'data/docs/a'), item('hrw-r--r--', 0, 'data/docs/b', 'data/docs/a'), item('-rw-r--r--', 3, 'data/one.txt'), item('-rw-r--r--', 99, 'data/other')]) c.push(i);
    expect(c.result().get('data')).toEqual([
      { rel: 'docs', type: 'd', files: 2, bytes: 20 },
      { rel: 'one.txt', type: '-', files: 1, bytes: 3 },
    ]);
  });

  it('refuses every path the archive lacks or holds only through a symlink, naming each', () => {
    const c = selectionCollector([{ source: 'data', rel: 'link/x' }, { source: 'data', rel: 'nope' }], 'main-1', 'main');
    c.push(item('lrwxrwxrwx', 0, 'data/link'));
    expect(() => c.result()).toThrow(UsageError);
    expect(() => c.result()).toThrow(/"data\/link\/x": data\/link is a symlink in main-1: pullback does not restore through a symlink[\s\S]*"data\/nope" is not in main-1 \(pullback find --host main "nope" lists/);
  });

  it('extracts each selected path whole and its parents alone (their owner, mode and times)', () => {
    const sel = { items: [{ rel: 'a/b/c', files: 0, bytes: 0 }, { rel: 'a/d', files: 0, bytes: 0 }], delete: false };
    expect(selectionArchivePaths('data', sel)).toEqual({ prefix: ['data/a/b/c', 'data/a/d'], exact: ['data/a', 'data/a/b'] });
  });
});

describe('pushes and excludes of a granular step', () => {
  it('pushes each outermost path into the folder above it, those of one folder together', () => {
    const look = (rel: string, top = rel) => ({ rel, present: true, top });
    expect([...pushGroups([look('docs/a'), look('docs/b'), look('x/y/z', 'x'), look('top')])]).toEqual([
      ['docs', ['docs/a', 'docs/b']],
      ['', ['x', 'top']],
    ]);
    expect(rootOf('a')).toBe('');
    expect(rootOf('a/b/c')).toBe('a/b');
  });

  it('sees anchored excludes from the folder pushed into; unanchored ones stay', () => {
    expect(rebaseExcludes(['/cache/', '/docs/tmp/', '*.swp', 'logs/*.log'], 'docs')).toEqual(['/tmp/', '*.swp', 'logs/*.log']);
    expect(rebaseExcludes(['/cache/'], '')).toEqual(['/cache/']);
  });
});

describe('sameEntry (the preview\'s unchanged: rsync\'s quick check)', () => {
  const onTarget = (type: string, size: number, mtime: string) => ({ type, size, mtime, name: Buffer.from('x') });
  it('is the same file by type, size and time to the second; a folder by type and time; anything else is replaced', async () => {
    const { sameEntry } = await import('../../../src/restore/selection-preview.js');
    const file = { type: '-', size: 31, mtime: '2026-12-07T22:53:22.089667' };
    expect(sameEntry(file, onTarget('-', 31, '2026/12/07 22:53:22'))).toBe(true);
    expect(sameEntry(file, onTarget('-', 32, '2026/12/07 22:53:22'))).toBe(false);
    expect(sameEntry(file, onTarget('-', 31, '2026/12/07 22:53:23'))).toBe(false);
    expect(sameEntry(file, onTarget('d', 31, '2026/12/07 22:53:22'))).toBe(false);
    expect(sameEntry({ type: 'd', size: 0, mtime: '2026-12-07T22:53:22.5' }, onTarget('d', 4096, '2026/12/07 22:53:22'))).toBe(true);
    expect(sameEntry({ type: 'l', size: 0, mtime: '2026-12-07T22:53:22.5' }, onTarget('l', 0, '2026/12/07 22:53:22'))).toBe(false);
    expect(sameEntry(undefined, onTarget('-', 31, '2026/12/07 22:53:22'))).toBe(false);
  });
});
