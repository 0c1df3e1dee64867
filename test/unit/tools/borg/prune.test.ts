// Exact argv of borg prune.
import { describe, expect, it } from 'vitest';
import { nightlyGlob } from '../../../../src/tools/borg/flags.js';
import { buildPruneArgs, readPruneLine, type PruneOutcome } from '../../../../src/tools/borg/prune.js';

const LW = ['--lock-wait', '2'];

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

describe('readPruneLine', () => {
  it('reads the pruned archives and the deduplicated sizes of the --stats table', () => {
    const r: PruneOutcome = { pruned: [] };
    for (const l of [
      'Keeping archive (rule: daily #1):        h-20240103T000000Z                   Wed, 2024-01-03 00:00:00 [aa]',
      'Pruning archive (1/2):                   h-20240101T000000Z                   Mon, 2024-01-01 00:00:00 [bb]',
      'Pruning archive:                         h-20240102T000000Z                   Tue, 2024-01-02 00:00:00 [cc]',
      '                       Original size      Compressed size    Deduplicated size',
      'Deleted data:                 -207.57 MB            -71.67 MB            -25.04 kB',
      'All archives:                   35.85 MB             12.00 MB              1.50 MB',
    ]) readPruneLine(r, l);
    expect(r).toEqual({ pruned: ['h-20240101T000000Z', 'h-20240102T000000Z'], freedBytes: 25040, repositoryBytes: 1_500_000 });
  });
});
