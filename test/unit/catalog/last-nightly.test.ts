// The backup age shown before a restore comes from nightly runs only: a drill, restore or check
// that ran later records a host result too, and must not make the backup look fresh.
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { makeTempDir } from '../../harness/index.js';

describe('Catalog.lastNightly', () => {
  it('is the latest successful host result of a nightly run, whatever ran since', () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      expect(catalog.lastNightly('main')).toBeUndefined();
      const hostOf = (kind: string, status: 'ok' | 'failed', archive?: string) => {
        const run = catalog.startRun(kind, {});
        catalog.finishHost(catalog.startHost(run, 'main'), status, archive);
        catalog.finishRun(run, status);
      };
      hostOf('run', 'ok', 'main-20240101T000000Z');
      hostOf('run', 'failed');
      hostOf('drill', 'ok', 'main-20230101T000000Z');
      hostOf('check', 'ok');
      expect(catalog.lastNightly('main')).toMatchObject({ archive: 'main-20240101T000000Z' });
      expect(catalog.lastNightly('other')).toBeUndefined();
    } finally {
      catalog.close();
    }
  });
});
