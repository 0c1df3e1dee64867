// The nightly compaction: after a prune that freed a share of the repository worth it, or weekly.
import { describe, expect, it } from 'vitest';
import { decideCompact } from '../../../src/nightly/compact.js';
import { parseBorgSize, statsRowDeduplicated } from '../../../src/tools/borg/prune.js';

const fmt = (b: number) => `${b} B`;
const now = new Date('2026-12-04T03:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe('decideCompact', () => {
  it('does not compact when nothing was pruned', () => {
    expect(decideCompact({ pruned: 0, freedBytes: 0, repositoryBytes: 100 }, undefined, now, fmt)).toMatchObject({ run: false, why: 'no archive was pruned' });
  });

  it('compacts when the prune freed at least 1% of the repository', () => {
    expect(decideCompact({ pruned: 1, freedBytes: 1_000_000, repositoryBytes: 100_000_000 }, daysAgo(1), now, fmt)).toMatchObject({ run: true, why: 'the prune freed 1000000 B of 100000000 B (1.0%)' });
  });

  it('waits after a prune that freed little, but at most a week, and compacts a repository never compacted', () => {
    const little = { pruned: 1, freedBytes: 25_040, repositoryBytes: 35_850_000 };
    const d = decideCompact(little, daysAgo(2), now, fmt);
    expect(d.run).toBe(false);
    expect(d.why).toBe('compact not needed: the prune freed 25040 B of 35850000 B (0.070%, under 1.0%), last compacted 2 days ago (at least weekly after a prune)');
    expect(decideCompact(little, daysAgo(7), now, fmt)).toMatchObject({ run: true, why: 'the prune freed 25040 B of 35850000 B; last compacted 7 days ago' });
    expect(decideCompact(little, undefined, now, fmt)).toMatchObject({ run: true, why: 'the prune freed 25040 B of 35850000 B; never compacted' });
  });

  it('compacts when borg did not say what the prune freed', () => {
    expect(decideCompact({ pruned: 2 }, daysAgo(1), now, fmt)).toMatchObject({ run: true });
  });
});

describe('borg --stats rows', () => {
  it('reads sizes in decimal and binary units, signs dropped', () => {
    expect(parseBorgSize('-25.04 kB')).toBe(25_040);
    expect(parseBorgSize('35.85 MB')).toBe(35_850_000);
    expect(parseBorgSize('0 B')).toBe(0);
    expect(parseBorgSize('1.50 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseBorgSize('12 parsecs')).toBeUndefined();
  });

  it("takes the deduplicated (last) column of borg prune's table", () => {
    expect(statsRowDeduplicated('Deleted data:             -207.57 MB            -71.67 MB            -25.04 kB', 'Deleted data')).toBe(25_040);
    expect(statsRowDeduplicated('All archives:              202.95 MB             70.48 MB             35.85 MB', 'All archives')).toBe(35_850_000);
    expect(statsRowDeduplicated('All archives:              202.95 MB             70.48 MB             35.85 MB', 'Deleted data')).toBeUndefined();
    expect(statsRowDeduplicated('Pruning archive (1/2):  n3  Fri, 2026-12-04 20:47:14', 'Deleted data')).toBeUndefined();
  });
});
