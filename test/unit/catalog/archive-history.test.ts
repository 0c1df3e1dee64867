// The "repository missing" message names the catalog's newest archive: the newest by time, not
// by name (a pre-restore snapshot's name sorts after every nightly archive's, however old it is).
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { archiveHistory } from '../../../src/catalog/guards.js';
import { makeTempDir } from '../../harness/index.js';

describe('archiveHistory', () => {
  it('names the newest archive by time, a nightly one after an older pre-restore snapshot', () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      const add = (name: string, createdAt: string) => catalog.recordArchive({ repository: '/r', host: 'main', name, createdAt });
      add('main-20261201T010000Z', '2026-12-01T01:00:00.000Z');
      add('main-pre-restore-20261202T120000Z', '2026-12-02T12:00:00.000Z');
      add('main-20261205T010000Z', '2026-12-05T01:00:00.000Z');
      expect(archiveHistory(catalog, '/r', 'main')).toEqual({ count: 3, last: 'main-20261205T010000Z' });
      add('main-pre-restore-20261206T120000Z', '2026-12-06T12:00:00.000Z');
      expect(archiveHistory(catalog, '/r', 'main')).toEqual({ count: 4, last: 'main-pre-restore-20261206T120000Z' });
      expect(archiveHistory(catalog, '/other', 'other')).toEqual({ count: 0, last: undefined });
    } finally {
      catalog.close();
    }
  });
});
