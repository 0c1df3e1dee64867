// The fleet's PostgreSQL schema, derived from the SQLite catalog's (sqlite-schema.ts) and created or
// extended through Kysely's schema builder: every local table with `backup_host` in front of its key,
// plus the fleet's own tables (pullback_schema, pullback_sync_blocks, backup_hosts, leases; server_homes is
// created by catalog/fleet/homes.ts on its first use).
import { createHash } from 'node:crypto';
import { InternalError } from '../../errors.js';
import { sqlTag, type FleetDb } from './connect.js';
import { ROWID_COLUMN, type TableSpec } from './sqlite-schema.js';

/** Tables the fleet adds beside the catalog's own; a local table of one of these names would clash. */
export const FLEET_TABLES = ['pullback_schema', 'pullback_sync_blocks', 'backup_hosts', 'leases', 'server_homes'] as const;

/** Characters of a text column that a derived index holds (4 bytes a character at most in UTF-8). */
export const INDEXED_PREFIX = 128;

/**
 * How the schema is derived from the specs: part of the schema hash, so a backup host whose local
 * schema did not change still derives again when the derivation did (2: text columns indexed by prefix).
 */
const DERIVATION = 2;

/** A fingerprint of the derived schema: a backup host re-derives only when it changed. */
export function schemaHash(specs: TableSpec[]): string {
  return createHash('sha256').update(JSON.stringify({ derivation: DERIVATION, specs })).digest('hex').slice(0, 16);
}

/**
 * Brings the PostgreSQL catalog up to `specs` (the local catalog at `version`): creates missing tables
 * and indexes, adds missing columns (a column the local catalog dropped stays, nullable), and records
 * the version under `backupHost` in pullback_schema. One transaction under an advisory lock, so
 * backup hosts deriving at once take turns. Returns whether anything was (re)derived.
 */
export async function ensureFleetSchema(k: FleetDb, specs: TableSpec[], version: number, backupHost: string): Promise<boolean> {
  const sql = await sqlTag();
  const clash = specs.find((t) => (FLEET_TABLES as readonly string[]).includes(t.name));
  if (clash) throw new InternalError(`the local catalog's table ${clash.name} has the name of one of the fleet catalog's own tables (${FLEET_TABLES.join(', ')}): rename one`);
  const hash = schemaHash(specs);
  const known = await recordedSchema(k, backupHost);
  if (known?.hash === hash && known.version === version) return false;
  await k.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('pullback-schema'))`.execute(tx);
    await createFleetTables(tx);
    const existing = new Map((await tx.introspection.getTables()).map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
    for (const t of specs) {
      const have = existing.get(t.name);
      if (!have) {
        let b = tx.schema.createTable(t.name).ifNotExists().addColumn('backup_host', 'text', (c) => c.notNull());
        if (t.keyIsRowid) b = b.addColumn(ROWID_COLUMN, 'bigint', (c) => c.notNull());
        for (const c of t.columns) b = b.addColumn(c.name, sql.raw(c.pgType), (d) => (c.name === t.key ? d.notNull() : d));
        await b.addPrimaryKeyConstraint(`${t.name}_pkey`, ['backup_host', t.key] as never).execute();
      } else {
        for (const c of t.columns) {
          if (!have.has(c.name)) await tx.schema.alterTable(t.name).addColumn(c.name, sql.raw(c.pgType)).execute();
        }
      }
      const text = new Set(t.columns.filter((c) => c.pgType === 'text').map((c) => c.name));
      for (const i of t.indexes) {
        // A PostgreSQL btree entry holds at most 2704 bytes, a SQLite one anything: a text column is
        // indexed by its first INDEXED_PREFIX characters (at most 512 bytes), so a long value (a deep
        // path in index_paths, a long error) never makes a push fail. Found by
        // test/unit/catalog/both-engines-property.test.ts; the index of the first derivation is replaced.
        await tx.schema.dropIndex(`${t.name}__${i.name}`).ifExists().execute();
        const cols = i.columns.map((c) => (text.has(c) ? sql`left(${sql.ref(c)}, ${sql.lit(INDEXED_PREFIX)})` : sql.ref(c)));
        await tx.schema
          .createIndex(`${t.name}__${i.name}__p`)
          .ifNotExists()
          .on(t.name)
          .expression(sql`${sql.ref('backup_host')}, ${sql.join(cols)}`)
          .execute();
      }
    }
    await tx
      .insertInto('pullback_schema')
      .values({ backup_host: backupHost, local_version: version, schema_hash: hash, derived_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('backup_host').doUpdateSet({ local_version: version, schema_hash: hash, derived_at: new Date().toISOString() }))
      .execute();
  });
  return true;
}

/** What pullback_schema records for `backupHost`; undefined when it has no row or no table yet. */
async function recordedSchema(k: FleetDb, backupHost: string): Promise<{ version: number; hash: string } | undefined> {
  const sql = await sqlTag();
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('pullback_schema')::text AS t`.execute(k);
  if (!exists.rows[0]?.t) return undefined;
  const row = await k.selectFrom('pullback_schema').select(['local_version', 'schema_hash']).where('backup_host', '=', backupHost).executeTakeFirst();
  return row ? { version: Number(row.local_version), hash: String(row.schema_hash) } : undefined;
}

/** The fleet's own tables, whatever the local catalog holds. */
async function createFleetTables(k: FleetDb): Promise<void> {
  const sql = await sqlTag();
  await k.schema
    .createTable('pullback_schema')
    .ifNotExists()
    .addColumn('backup_host', 'text', (c) => c.primaryKey())
    .addColumn('local_version', 'integer', (c) => c.notNull())
    .addColumn('schema_hash', 'text', (c) => c.notNull())
    .addColumn('derived_at', 'text', (c) => c.notNull())
    .execute();
  // What PostgreSQL holds of each block of 512 local ids of each table, as the block's fingerprint
  // when it was pushed: a block whose local fingerprint differs is pushed again (sync.ts).
  await k.schema
    .createTable('pullback_sync_blocks')
    .ifNotExists()
    .addColumn('backup_host', 'text', (c) => c.notNull())
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('block', 'bigint', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pullback_sync_blocks_pkey', ['backup_host', 'table_name', 'block'])
    .execute();
  await k.schema
    .createTable('backup_hosts')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull())
    .addColumn('servers', 'jsonb', (c) => c.notNull())
    .addColumn('max_age_seconds', 'bigint', (c) => c.notNull())
    .addColumn('pid', 'bigint')
    .addColumn('version', 'text')
    .execute();
  await sql`CREATE SEQUENCE IF NOT EXISTS lease_tokens`.execute(k);
  await k.schema
    .createTable('leases')
    .ifNotExists()
    .addColumn('main_server', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}
