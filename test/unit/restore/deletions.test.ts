// The deletion preview: target paths not in the archive, names compared the way borg lists them.
import { describe, expect, it } from 'vitest';
import { borgListedPath, formatDeletions, plannedDeletions } from '../../../src/restore/deletions.js';

describe('borgListedPath', () => {
  it('keeps valid UTF-8 and shows each byte of an invalid sequence as ?', () => {
    expect(borgListedPath(Buffer.from('café/日本語 😀.txt'))).toBe('café/日本語 😀.txt');
    expect(borgListedPath(Buffer.from([0x62, 0xff, 0x6e]))).toBe('b?n');
    expect(borgListedPath(Buffer.from([0xe2, 0x82, 0x61]))).toBe('??a'); // truncated 3-byte sequence
    expect(borgListedPath(Buffer.from([0xc0, 0xaf]))).toBe('??'); // overlong
    expect(borgListedPath(Buffer.from([0xed, 0xa0, 0x80]))).toBe('???'); // a UTF-16 surrogate
    expect(borgListedPath(Buffer.from('new\nline'))).toBe('new\nline');
  });
});

describe('plannedDeletions', () => {
  it('lists target paths the archive lacks, directories with a slash, never the root', () => {
    const archived = new Set(['a.txt', 'dir', 'dir/kept']);
    const target = [
      { path: '.', dir: true },
      { path: 'a.txt', dir: false },
      { path: 'dir', dir: true },
      { path: 'dir/kept', dir: false },
      { path: 'dir/extra', dir: false },
      { path: 'gone', dir: true },
      { path: 'gone/x', dir: false },
    ];
    expect(plannedDeletions(archived, target)).toEqual(['dir/extra', 'gone/', 'gone/x']);
  });
});

describe('formatDeletions', () => {
  const many = Array.from({ length: 23 }, (_, i) => `f${i}`);
  it('counts per folder, names the first 20 and "and N more" when asked, and says when unknown', () => {
    const text = formatDeletions([
      { source: 'blobs', where: 'main:/srv/blobs', paths: [] },
      { source: 'data', where: 'main:/srv/data', paths: many },
      { source: 'more', where: 'main:/srv/more', error: 'listing failed' },
    ], { names: true });
    const lines = text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Deletions on the target (files not in the archive; excluded files are left alone):',
      '  blobs: nothing deleted in main:/srv/blobs',
      '  data: 23 path(s) deleted in main:/srv/data',
      '       - "f0"',
    ]);
    expect(lines).toContain('       - "f19"');
    expect(lines).not.toContain('       - "f20"');
    expect(lines).toContain('       and 3 more');
    expect(lines.at(-1)).toBe('  more: UNKNOWN for main:/srv/more: listing failed');
    expect(formatDeletions([{ source: 'data', where: 'main:/srv/data', paths: many }], { names: false })).toBe(
      'Deletions on the target (files not in the archive; excluded files are left alone):\n  data: 23 path(s) deleted in main:/srv/data',
    );
  });

  it('shows names a server chose with their control characters escaped, one line each', () => {
    const text = formatDeletions([{ source: 'data', where: 'main:/srv/data', paths: ['new\u001b[31mRED\nOK fake', 'csi\u009bx'] }], { names: true });
    expect(text).toContain('       - "new\\e[31mRED\\nOK fake"');
    expect(text).toContain('       - "csi\\x9bx"');
    expect(text).not.toMatch(/[\u001b\u009b]|^OK fake/m);
  });
});
