// The repository's measured sizes (migration 020): the newest at or before a time, or of all; and
// when each configured host and source was first seen (the grace of "never backed up").
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { recordRepositorySize, repositorySizeAt } from '../../../src/catalog/repository-sizes.js';
import { configuredSince, noteConfigured } from '../../../src/catalog/configured-since.js';
import { makeTempDir } from '../../harness/index.js';

const totals = (n: number) => ({ uniqueCsize: n, uniqueSize: 2 * n, totalCsize: 3 * n, totalSize: 4 * n });

describe('repository sizes', () => {
  it('gives the newest measurement of a repository, at or before a time', () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      expect(repositorySizeAt(catalog, '/r')).toBeUndefined();
      recordRepositorySize(catalog, '/r', 'a', 1, totals(100), new Date('2026-12-01T03:00:00Z'));
      recordRepositorySize(catalog, '/r', 'b', 2, totals(80), new Date('2026-12-02T03:00:00Z'));
      recordRepositorySize(catalog, '/other', 'c', 3, totals(5), new Date('2026-12-03T03:00:00Z'));
      expect(repositorySizeAt(catalog, '/r')).toEqual({ host: 'b', measuredAt: new Date('2026-12-02T03:00:00Z'), ...totals(80) });
      expect(repositorySizeAt(catalog, '/r', new Date('2026-12-01T12:00:00Z'))?.uniqueCsize).toBe(100);
      expect(repositorySizeAt(catalog, '/r', new Date('2026-11-30T12:00:00Z'))).toBeUndefined();
    } finally {
      catalog.close();
    }
  });

  it('records the first sight of each host and source once; a host with older runs is seen since its first run', () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      const run = catalog.startRun('run', {});
      catalog.startHost(run, 'old');
      const firstRun = firstRunStart(catalog);
      noteConfigured(catalog, [{ name: 'old', sources: [{ name: 'data' }] }, { name: 'new', sources: [] }], new Date('2030-01-01T00:00:00Z'));
      noteConfigured(catalog, [{ name: 'new', sources: [{ name: 'added' }] }], new Date('2030-02-01T00:00:00Z'));
      expect(configuredSince(catalog, 'old')).toEqual(new Map([['', firstRun], ['data', firstRun]]));
      expect(configuredSince(catalog, 'new')).toEqual(new Map([['', new Date('2030-01-01T00:00:00Z')], ['added', new Date('2030-02-01T00:00:00Z')]]));
    } finally {
      catalog.close();
    }
  });
});

function firstRunStart(catalog: Catalog): Date {
  const row = catalog.db.prepare("SELECT started_at FROM host_results WHERE host = 'old'").get() as { started_at: string };
  return new Date(row.started_at);
}
