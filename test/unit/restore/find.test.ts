// `pullback find`'s rows from the file index's versions (pure): newest archive first, each version
// marked against the archive before it, a row where the path went away; and borg diff's lines.
import { describe, expect, it } from 'vitest';
import { formatFound, foundVersions, pathMatch } from '../../../src/restore/find.js';
import { parseDiffLine } from '../../../src/tools/borg/diff.js';

const archives = [1, 2, 3, 4].map((seq) => ({ name: `main-${seq}`, start: `2026-01-0${seq}T02:00:00.000000`, seq }));
const v = (fromSeq: number, toSeq: number | undefined, size: number, path = 'data/a.txt') => ({ path, type: '-', mode: '-rw-r--r--', uid: 0, gid: 0, size, mtime: '2026-01-01T00:00:00.000000', fromSeq, ...(toSeq ? { toSeq } : {}) });

describe('foundVersions', () => {
  it('lists a path newest first: same, changed, deleted, oldest kept', () => {
    const rows = foundVersions([v(1, 1, 5), v(2, 2, 7)], archives);
    expect(rows.map((r) => [r.archive, r.change, r.size])).toEqual([
      ['main-3', 'deleted', undefined],
      ['main-2', 'changed', 7],
      ['main-1', 'oldest', 5],
    ]);
  });

  it('says new where a path appears, and skips archives where it is absent both times', () => {
    const rows = foundVersions([v(3, undefined, 1, 'data/b')], archives);
    expect(rows.map((r) => [r.archive, r.change])).toEqual([
      ['main-4', 'same'],
      ['main-3', 'new'],
    ]);
  });

  it('reads only the archives still kept (a pruned one is not a row, and the comparison skips it)', () => {
    const kept = archives.filter((a) => a.seq !== 2);
    expect(foundVersions([v(1, undefined, 5)], kept).map((r) => [r.archive, r.change])).toEqual([
      ['main-4', 'same'],
      ['main-3', 'same'],
      ['main-1', 'oldest'],
    ]);
  });

  it('heads each block with the path as ls shows a name: quoted when it holds a space, escaped', () => {
    const blocks = (path: string) => formatFound(foundVersions([v(1, undefined, 5, path)], archives), 'main').split('\n\n').map((b) => b.split('\n')[0]);
    expect(blocks('data/a.txt')[0]).toBe('data/a.txt');
    expect(blocks('data/empty dir')[0]).toBe("'data/empty dir'");
    expect(blocks('data/new\nline')[0]).toBe("'data/new\\nline'");
  });

  it('shows the archive and modification times in UTC with their Z (borg gives this machine\'s local time, without a zone)', () => {
    const utc = (local: string) => new Date(local).toISOString().replace('.000Z', 'Z');
    const line = formatFound(foundVersions([v(1, undefined, 5)], archives.slice(0, 1)), 'main').split('\n')[3]!;
    expect(line).toMatch(new RegExp(`^  main-1 +${utc('2026-01-01T02:00:00')} +5 B +-rw-r--r-- +${utc('2026-01-01T00:00:00')} +oldest kept$`));
  });

  it('reads a pattern with glob characters as a glob, anything else as a substring', () => {
    expect(pathMatch('*.conf')).toEqual({ glob: '*.conf' });
    expect(pathMatch('report')).toEqual({ substring: 'report' });
  });
});

describe('parseDiffLine', () => {
  it('classifies borg diff --json-lines as added, deleted or modified, ignoring a ctime alone', () => {
    expect(parseDiffLine('{"changes": [{"size": 2, "type": "added"}], "path": "d/n"}')).toEqual({ path: 'd/n', kind: 'added', detail: '2 B' });
    expect(parseDiffLine('{"changes": [{"type": "removed directory"}], "path": "d/x"}')).toEqual({ path: 'd/x', kind: 'deleted', detail: 'directory' });
    expect(parseDiffLine('{"changes": [{"added": 5, "removed": 2, "type": "modified"}, {"type": "mtime"}], "path": "d/a"}')).toEqual({ path: 'd/a', kind: 'modified', detail: 'content +5 B -2 B, time' });
    expect(parseDiffLine('{"changes": [{"added": 0, "removed": 0, "type": "modified"}, {"new_mode": "-rw-------", "old_mode": "-rw-r--r--", "type": "mode"}], "path": "d/new\\nline"}')).toEqual({ path: 'd/new\nline', kind: 'modified', detail: 'mode -rw-r--r-- -> -rw-------' });
    expect(parseDiffLine('{"changes": [{"type": "ctime"}], "path": "d"}')).toBeUndefined();
  });
});
