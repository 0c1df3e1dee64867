// A text value longer than a PostgreSQL btree entry holds (2704 bytes) in an indexed column: the push
// takes it (the derived index holds the column's first 128 characters), and a fleet catalog derived
// before, with the whole column in its index, is re-derived by the next push (docs/fleet.md).
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { pushCatalog } from '../../../src/catalog/fleet/sync.js';
import { compareDbOnPostgres, fleetDb } from '../../harness/both-engines.js';
import { makeTempDir } from '../../harness/index.js';

const indexes = async () =>
  (await sql<{ indexname: string; indexdef: string }>`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'host_results'`.execute(await fleetDb())).rows;

describe('derived indexes on long text', () => {
  it('push a 9000-byte host name, and replace an index of the first derivation', async () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      const run = catalog.startRun('run', {});
      const host = 'ü'.repeat(4500); // 9000 bytes in UTF-8
      catalog.finishHost(catalog.startHost(run, host), 'ok', 'a-1');
      catalog.finishRun(run, 'ok');
      expect(await compareDbOnPostgres(catalog.db)).toEqual([]);
      expect((await indexes()).find((i) => i.indexname === 'host_results__host_results_host__p')?.indexdef).toContain('"left"(host, 128)');

      // As the first derivation left it: the whole column in the index, and its hash recorded.
      const k = await fleetDb();
      await sql`DROP INDEX host_results__host_results_host__p`.execute(k);
      await sql`DELETE FROM host_results`.execute(k);
      await sql`CREATE INDEX host_results__host_results_host ON host_results (backup_host, host, started_at)`.execute(k);
      await sql`UPDATE pullback_schema SET schema_hash = 'first-derivation'`.execute(k);
      const report = await pushCatalog(catalog.db, k, 'both-engines');
      expect(report.schemaDerived).toBe(true);
      expect((await indexes()).map((i) => i.indexname).sort()).toEqual(['host_results__host_results_host__p', 'host_results_pkey']);
      const back = await sql<{ n: string }>`SELECT count(*) AS n FROM host_results WHERE host = ${host}`.execute(k);
      expect(back.rows[0]!.n).toBe('1');
    } finally {
      catalog.close();
    }
  });
});
