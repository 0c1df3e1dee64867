// Exact borg argv for every subcommand pullback runs.
import { describe, expect, it } from 'vitest';
import {
  buildCheckArgs,
  buildCompactArgs,
  buildCreateArgs,
  buildExtractArgs,
  buildInitArgs,
  buildKeyExportArgs,
  buildListArchivesArgs,
  buildListItemsArgs,
  buildPruneArgs,
  nightlyGlob,
} from '../../../src/tools/borg/args.js';
import { listLineCounter } from '../../../src/tools/borg/repo.js';

const LW = ['--lock-wait', '2'];
const D8 = '[0-9]'.repeat(8);
const D6 = '[0-9]'.repeat(6);

describe('nightlyGlob', () => {
  it('matches <host>-YYYYMMDDTHHMMSSZ only', () => {
    expect(nightlyGlob('main')).toBe(`main-${D8}T${D6}Z`);
    expect(nightlyGlob('db-1.example')).toBe(`db-1.example-${D8}T${D6}Z`);
  });
});

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

describe('buildPruneArgs', () => {
  it('prunes only the host nightly archives, with each non-zero keep', () => {
    expect(buildPruneArgs('/srv/borg/main', 'main', { daily: 7, weekly: 4, monthly: 6 })).toEqual([
      'prune', ...LW, '--list', '--glob-archives', nightlyGlob('main'), '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '6', '--stats', '/srv/borg/main',
    ]);
  });

  it('leaves out zero keeps and supports --dry-run', () => {
    expect(buildPruneArgs('/r', 'h', { daily: 2, weekly: 0, monthly: 0 }, true)).toEqual([
      'prune', ...LW, '--list', '--glob-archives', nightlyGlob('h'), '--keep-daily', '2', '--dry-run', '/r',
    ]);
  });
});

describe('buildCheckArgs', () => {
  it('checks repository and the host archives by default', () => {
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: true, verifyData: false, glob: nightlyGlob('h') })).toEqual([
      'check', ...LW, '--glob-archives', nightlyGlob('h'), '/r',
    ]);
  });

  it('repository only, archives only, and --verify-data (which implies archives)', () => {
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: false, verifyData: false, glob: 'g' })).toEqual(['check', ...LW, '--repository-only', '/r']);
    expect(buildCheckArgs({ repo: '/r', repository: false, archives: true, verifyData: false })).toEqual(['check', ...LW, '--archives-only', '/r']);
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: false, verifyData: true, glob: 'g' })).toEqual([
      'check', ...LW, '--verify-data', '--glob-archives', 'g', '/r',
    ]);
    expect(buildCheckArgs({ repo: '/r', repository: false, archives: false, verifyData: true })).toEqual(['check', ...LW, '--archives-only', '--verify-data', '/r']);
  });

  it('a time-limited repository check is partial (resumed next time) and says how far it got', () => {
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: false, verifyData: false, maxDurationSeconds: 1200 })).toEqual([
      'check', ...LW, '--repository-only', '--info', '--max-duration', '1200', '/r',
    ]);
    // borg allows --max-duration only with --repository-only: never added to a combined check.
    expect(buildCheckArgs({ repo: '/r', repository: true, archives: true, verifyData: false, maxDurationSeconds: 1200 })).toEqual(['check', ...LW, '/r']);
  });

  it('checks a single archive without a glob', () => {
    expect(buildCheckArgs({ repo: '/r', repository: false, archives: true, verifyData: false, glob: 'g', archive: 'h-20240101T000000Z' })).toEqual([
      'check', ...LW, '--archives-only', '/r::h-20240101T000000Z',
    ]);
  });
});

describe('listing and extracting', () => {
  it('buildListArchivesArgs', () => {
    expect(buildListArchivesArgs('/r')).toEqual(['list', ...LW, '--json', '/r']);
    expect(buildListArchivesArgs('/r', 'h-*')).toEqual(['list', ...LW, '--json', '--glob-archives', 'h-*', '/r']);
  });

  it('buildListItemsArgs streams JSON lines, with hashes and paths when asked', () => {
    expect(buildListItemsArgs('/r', 'a')).toEqual(['list', ...LW, '--json-lines', '/r::a']);
    expect(buildListItemsArgs('/r', 'a', true, { prefix: ['db', '-x'] })).toEqual([
      'list', ...LW, '--json-lines', '--format', '{type} {mode} {size} {mtime} {sha256} {path}{NL}', '/r::a', '--', 'db', '-x',
    ]);
  });

  it('exact paths are pf: patterns, one argv word each, everything else excluded', () => {
    expect(buildListItemsArgs('/r', 'a', true, { exact: ['data/-x', 'data/new\nline', 'data/ sp'] })).toEqual([
      'list', ...LW, '--json-lines', '--format', '{type} {mode} {size} {mtime} {sha256} {path}{NL}',
      '--pattern=+pf:data/-x', '--pattern=+pf:data/new\nline', '--pattern=+pf:data/ sp', '--pattern=-fm:*', '/r::a',
    ]);
    expect(buildExtractArgs('/r', 'a', { exact: ['.pullback/manifest.json'] })).toEqual([
      'extract', ...LW, '--numeric-ids', '--sparse', '--pattern=+pf:.pullback/manifest.json', '--pattern=-fm:*', '/r::a',
    ]);
    expect(buildExtractArgs('/r', 'a', { exact: [] })).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '/r::a']);
  });

  it('buildExtractArgs keeps numeric ids and holes of sparse files, and puts paths after --', () => {
    expect(buildExtractArgs('/r', 'a')).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '/r::a']);
    expect(buildExtractArgs('/r', 'a', { prefix: ['-data/x'] }, { dryRun: true })).toEqual(['extract', ...LW, '--numeric-ids', '--sparse', '--dry-run', '/r::a', '--', '-data/x']);
  });

  it('init and compact', () => {
    expect(buildInitArgs('/r', 'repokey-blake2')).toEqual(['init', '--encryption', 'repokey-blake2', '--make-parent-dirs', '/r']);
    expect(buildCompactArgs('/r')).toEqual(['compact', ...LW, '/r']);
  });
});

describe('buildKeyExportArgs', () => {
  it('prints the key to stdout (no PATH argument)', () => {
    expect(buildKeyExportArgs('/srv/borg/web 1')).toEqual(['key', 'export', '/srv/borg/web 1']);
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
