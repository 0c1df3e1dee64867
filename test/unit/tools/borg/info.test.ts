// Exact argv of borg info (the statistics behind `pullback list`).
import { describe, expect, it } from 'vitest';
import { buildArchiveInfoArgs, buildRepoInfoArgs, parseRepoTotals } from '../../../../src/tools/borg/info.js';
import { parseLastModified } from '../../../../src/tools/borg/security.js';

const LW = ['--lock-wait', '2'];

describe('buildArchiveInfoArgs', () => {
  it('asks info per archive or per glob', () => {
    expect(buildArchiveInfoArgs('/r', { archive: 'h-1' })).toEqual(['info', ...LW, '--json', '/r::h-1']);
    expect(buildArchiveInfoArgs('/r', { glob: 'h-*' })).toEqual(['info', ...LW, '--json', '--glob-archives', 'h-*', '/r']);
  });
});

describe('buildRepoInfoArgs and parseRepoTotals', () => {
  it('asks info of the repository itself and reads its cache totals', () => {
    expect(buildRepoInfoArgs('/r')).toEqual(['info', ...LW, '--json', '/r']);
    // borg 1.2.4's own output (a one-file repository, unencrypted).
    const out = JSON.stringify({
      cache: { path: '/c', stats: { total_chunks: 3, total_csize: 6, total_size: 3, total_unique_chunks: 3, unique_csize: 600, unique_size: 634 } },
      encryption: { mode: 'none' },
      repository: { id: 'ab', last_modified: '2026-12-07T21:50:40.000000', location: '/r' },
    }, null, 4).split('\n');
    expect(parseRepoTotals(out)).toEqual({ uniqueCsize: 600, uniqueSize: 634, totalCsize: 6, totalSize: 3 });
    expect(parseRepoTotals(['not json'])).toBeUndefined();
    expect(parseRepoTotals(['{"cache": {"stats": {"unique_csize": 1}}}'])).toBeUndefined();
    // The manifest's time, which borg remembers once info opened the cache (after a repair: tools/borg/security.ts).
    expect(parseLastModified(out)).toBe('2026-12-07T21:50:40.000000');
    expect(parseLastModified(['not json'])).toBeUndefined();
    expect(parseLastModified(['{"repository": {"id": "ab"}}'])).toBeUndefined();
  });
});
