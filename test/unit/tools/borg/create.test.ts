// Exact argv of borg create, and the count of the files it read from its --list lines.
import { describe, expect, it } from 'vitest';
import { buildCreateArgs, listLineCounter, parseCreateStats } from '../../../../src/tools/borg/create.js';

const LW = ['--lock-wait', '2'];

describe('buildCreateArgs', () => {
  it('creates with JSON stats, the compression, the mtime,size files cache and paths after --', () => {
    expect(buildCreateArgs({ repo: '/srv/borg/main', archive: 'main-20240101T000000Z', compression: 'zstd,22', paths: ['db', '-data', '.pullback/manifest.json'] })).toEqual([
      'create', ...LW, '--json', '--compression', 'zstd,22', '--files-cache', 'mtime,size', '--numeric-ids', '--noflags', '--list', '--filter=AME',
      '/srv/borg/main::main-20240101T000000Z', '--', 'db', '-data', '.pullback/manifest.json',
    ]);
  });

  it('asks for --progress --log-json only when progress is wanted', () => {
    const o = { repo: '/r', archive: 'a', compression: 'lz4', paths: ['x'] };
    expect(buildCreateArgs({ ...o, progress: false })).toEqual(buildCreateArgs(o));
    // A first archive (empty files cache) lists only the files borg could not read.
    expect(buildCreateArgs({ ...o, listRead: false })).toContain('--filter=E');
    expect(buildCreateArgs({ ...o, progress: true })).toEqual(['create', ...LW, '--json', '--compression', 'lz4', '--files-cache', 'mtime,size', '--numeric-ids', '--noflags', '--list', '--filter=AME', '--progress', '--log-json', '/r::a', '--', 'x']);
  });

  it('adds a backdating timestamp and excludes before the archive', () => {
    expect(
      buildCreateArgs({ repo: '/r', archive: 'a', compression: 'lz4', paths: ['x'], timestamp: '2024-01-01T00:00:00', excludes: ['*.tmp'] }),
    ).toEqual(['create', ...LW, '--json', '--compression', 'lz4', '--files-cache', 'mtime,size', '--numeric-ids', '--noflags', '--list', '--filter=AME', '--timestamp', '2024-01-01T00:00:00', '--exclude', '*.tmp', '/r::a', '--', 'x']);
  });
});

describe('listLineCounter', () => {
  it('counts the files borg read and drops their names; error lines and messages are kept', () => {
    const read = { added: 0, modified: 0, errors: 0 };
    const map = listLineCounter(read);
    expect(['A data/new error.txt', 'M data/changed', 'M .pullback/manifest.json', 'E data/unreadable', 'data/unreadable: [Errno 13] Permission denied'].map(map)).toEqual([
      undefined, undefined, undefined, 'E data/unreadable', 'data/unreadable: [Errno 13] Permission denied',
    ]);
    expect(read).toEqual({ added: 1, modified: 2, errors: 1 });
  });
});

describe('parseCreateStats', () => {
  it("reads the archive's statistics from borg create --json, zeros for what it did not say", () => {
    const json = JSON.stringify({ archive: { name: 'a', stats: { original_size: 10, compressed_size: 7, deduplicated_size: 3, nfiles: 2 } } }, null, 2).split('\n');
    expect(parseCreateStats(json)).toEqual({ originalSize: 10, compressedSize: 7, deduplicatedSize: 3, nfiles: 2 });
    expect(parseCreateStats(['not json'])).toEqual({ originalSize: 0, compressedSize: 0, deduplicatedSize: 0, nfiles: 0 });
  });
});
