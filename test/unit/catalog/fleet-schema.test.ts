// The PostgreSQL schema's source: the migrated local catalog read back (catalog/fleet/sqlite-schema.ts).
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { migrations } from '../../../src/catalog/migrations/index.js';
import { localSchemaVersion, pgTypeOf, readCatalogSchema } from '../../../src/catalog/fleet/sqlite-schema.js';
import { FLEET_TABLES } from '../../../src/catalog/fleet/pg-schema.js';
import { makeTempDir } from '../../harness/index.js';

describe('the catalog schema as the fleet derives it', () => {
  it('maps SQLite affinities to PostgreSQL types', () => {
    expect(['INTEGER', 'BIGINT', 'TEXT', 'VARCHAR(10)', 'REAL', 'DOUBLE', 'BLOB', '', 'NUMERIC'].map(pgTypeOf)).toEqual(['bigint', 'bigint', 'text', 'text', 'double precision', 'double precision', 'bytea', 'text', 'text']);
  });

  it('reads every table with its key and indexes from a migrated catalog', () => {
    const c = Catalog.open(makeTempDir('fleet-schema-'));
    try {
      expect(localSchemaVersion(c.db)).toBe(Math.max(...migrations.map((m) => m.version)));
      const specs = readCatalogSchema(c.db);
      const by = new Map(specs.map((t) => [t.name, t]));
      expect(by.get('runs')).toMatchObject({ key: 'id', keyIsRowid: false });
      expect(by.get('runs')!.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['id', 'kind', 'started_at', 'pid_start', 'boot_id']));
      expect(by.get('check_history')).toMatchObject({ key: 'local_rowid', keyIsRowid: true });
      expect(by.get('host_results')!.indexes).toEqual([{ name: 'host_results_host', columns: ['host', 'started_at'] }]);
      // A partial index is not carried (its WHERE is SQLite's).
      expect(by.get('index_versions')!.indexes.map((i) => i.name)).toEqual(['index_versions_path']);
      expect(specs.some((t) => t.name.startsWith('sqlite_'))).toBe(false);
      // The fleet's own tables live beside the derived ones: no migration may take one of their names.
      expect(specs.filter((t) => (FLEET_TABLES as readonly string[]).includes(t.name))).toEqual([]);
    } finally {
      c.close();
    }
  });
});
