// The catalog tests on both engines (issue 26: "The catalog tests run against both engines"; docs/fleet.md,
// "The catalog on two engines"). SQLite is the catalog the tests drive; PostgreSQL is the same catalog as
// the fleet derives and fills it. After each test of a catalog test file (vitest.config.ts, project
// "catalog", which loads test/harness/both-engines-setup.ts), every local catalog the test built (each
// `catalog.db` under the temp directories it made) is pushed through the real fleet sync
// (catalog/fleet/sync.ts pushCatalog, over catalog/fleet/connect.ts openFleetDb) into a fresh PostgreSQL
// schema, and then:
//   1. every table's rows read back through Kysely equal the SQLite rows field by field, by type
//      (integers as exact integers, reals as the same double, text as the same string, NULL as NULL,
//      blobs as the same bytes; JSON columns are text and compared as text);
//   2. the fleet's reads behind status, report and metrics (catalog/fleet/fleet-read.ts readFleet) give
//      the local catalog's answers for the same state: each main server's last successful night
//      (Catalog.lastNightly), its last night's status and the backup host's last night's end.
// The PostgreSQL database (127.0.0.1:5432, trust) is one per test file, made on its first push and
// dropped after the file; each push starts from an empty schema in it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Catalog } from '../../src/catalog/catalog.js';
import { openCatalogDb, type Db } from '../../src/catalog/db.js';
import { openFleetDb, type FleetDb } from '../../src/catalog/fleet/connect.js';
import { readFleet } from '../../src/catalog/fleet/fleet-read.js';
import { writeHeartbeat } from '../../src/catalog/fleet/heartbeat.js';
import { pushCatalog } from '../../src/catalog/fleet/sync.js';
import { quoteIdent, readCatalogSchema, ROWID_COLUMN, type ColumnSpec } from '../../src/catalog/fleet/sqlite-schema.js';
import { PG, psql } from './db.js';

/** The backup host every pushed catalog is pushed as. */
export const BOTH_ENGINES_HOST = 'both-engines';

let database: string | undefined;
let fleet: FleetDb | undefined;

/** The test file's PostgreSQL database (made on first use) and a Kysely handle on it through pullback's own connect. */
export async function fleetDb(): Promise<FleetDb> {
  if (!fleet) {
    const name = `pbboth_${process.pid}_${randomBytes(4).toString('hex')}`;
    await psql('postgres', `CREATE DATABASE "${name}";`);
    database = name;
    fleet = await openFleetDb({ url: `postgres://${PG.user}@${PG.host}:${PG.port}/${name}` });
  }
  return fleet;
}

/** Drops the test file's database (after the file; nothing when no test pushed a catalog). */
export async function dropBothEnginesDatabase(): Promise<void> {
  const k = fleet;
  const name = database;
  fleet = undefined;
  database = undefined;
  await k?.destroy();
  if (name) await psql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE);`);
}

/** Every `catalog.db` in `dirs` (three levels deep: a state directory inside a test's temp directory). */
export function catalogFilesIn(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      const p = join(dir, e);
      if (e === 'catalog.db') out.push(p);
      else if (depth > 0) {
        try {
          if (statSync(p).isDirectory()) walk(p, depth - 1);
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d, 3);
  return out;
}

/** What differs between the SQLite catalog at `file` and PostgreSQL after a push of it (empty: the same). */
export async function compareOnPostgres(file: string): Promise<string[]> {
  const db = openCatalogDb(file);
  try {
    return await compareDbOnPostgres(db);
  } finally {
    db.close();
  }
}

/** Pushes `db` into a fresh schema of the file's PostgreSQL database and lists every difference. */
export async function compareDbOnPostgres(db: Db): Promise<string[]> {
  const k = await fleetDb();
  const { sql } = await import('kysely');
  await sql`DROP SCHEMA IF EXISTS public CASCADE`.execute(k);
  await sql`CREATE SCHEMA public`.execute(k);
  await pushCatalog(db, k, BOTH_ENGINES_HOST);
  const diffs = [...(await compareRows(db, k)), ...(await compareFleetReads(db, k))];
  return diffs;
}

/** 1: every table, every row, every field. */
async function compareRows(db: Db, k: FleetDb): Promise<string[]> {
  const diffs: string[] = [];
  for (const t of readCatalogSchema(db)) {
    const keyExpr = t.keyIsRowid ? 'rowid' : quoteIdent(t.key);
    const select = t.keyIsRowid ? `rowid AS ${ROWID_COLUMN}, *` : '*';
    const local = db.prepare(`SELECT ${select} FROM ${quoteIdent(t.name)} ORDER BY ${keyExpr}`).safeIntegers(true).all() as Array<Record<string, unknown>>;
    const remote = (await k.selectFrom(t.name).selectAll().where('backup_host', '=', BOTH_ENGINES_HOST).orderBy(t.key).execute()) as Array<Record<string, unknown>>;
    if (local.length !== remote.length) {
      diffs.push(`${t.name}: ${local.length} rows in SQLite, ${remote.length} in PostgreSQL`);
      continue;
    }
    const cols: ColumnSpec[] = t.keyIsRowid ? [{ name: ROWID_COLUMN, sqliteType: 'INTEGER', pgType: 'bigint' }, ...t.columns] : t.columns;
    for (let i = 0; i < local.length; i++) {
      const l = local[i]!;
      const r = remote[i]!;
      if (r.backup_host !== BOTH_ENGINES_HOST) diffs.push(`${t.name} row ${i}: backup_host ${String(r.backup_host)}`);
      for (const c of cols) {
        const why = fieldDiff(c, l[c.name], r[c.name]);
        if (why) diffs.push(`${t.name} ${t.key} ${String(l[t.key] ?? l[ROWID_COLUMN])} column ${c.name}: ${why}`);
      }
    }
  }
  return diffs;
}

const show = (v: unknown): string => {
  if (v === null || v === undefined) return 'NULL';
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex').slice(0, 40)}'`;
  const s = typeof v === 'string' ? JSON.stringify(v) : `${typeof v} ${String(v)}`;
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Why the SQLite value `l` and the PostgreSQL value `r` of column `c` differ (undefined: equal, by type). */
export function fieldDiff(c: ColumnSpec, l: unknown, r: unknown): string | undefined {
  const differ = `${show(l)} in SQLite, ${show(r)} in PostgreSQL`;
  if (l === null || l === undefined) return r === null ? undefined : differ;
  if (r === null || r === undefined) return differ;
  if (Buffer.isBuffer(l)) return c.pgType === 'bytea' && Buffer.isBuffer(r) && l.equals(r) ? undefined : differ;
  switch (c.pgType) {
    case 'bigint':
      // pg gives bigint as a decimal string; SQLite's integers come as bigint (safeIntegers), a real as a number.
      if (typeof l !== 'bigint' || typeof r !== 'string') return differ;
      return BigInt(r) === l ? undefined : differ;
    case 'double precision': {
      if (typeof r !== 'number') return differ;
      const n = typeof l === 'bigint' ? Number(l) : l;
      return typeof n === 'number' && n === r ? undefined : differ;
    }
    case 'text':
      // A declared TEXT column holds text; a column without a declared type keeps a number as its text.
      if (typeof r !== 'string') return differ;
      if (typeof l === 'string') return l === r ? undefined : differ;
      return c.sqliteType.trim() === '' || /NUM|DEC|BOOL|DATE/i.test(c.sqliteType) ? (String(l) === r ? undefined : differ) : differ;
    case 'bytea':
      return differ;
  }
}

/** 2: what status, report and metrics read of the fleet, against the local catalog's own answers. */
async function compareFleetReads(db: Db, k: FleetDb): Promise<string[]> {
  const diffs: string[] = [];
  const catalog = new Catalog(db);
  const hosts = (db.prepare("SELECT DISTINCT h.host FROM host_results h JOIN runs r ON r.id = h.run_id WHERE r.kind = 'run' ORDER BY h.host").all() as Array<{ host: string }>).map((h) => h.host);
  await writeHeartbeat(k, { name: BOTH_ENGINES_HOST, servers: hosts.map((name) => ({ name, maxAgeSeconds: 26 * 3600 })), maxAgeSeconds: 26 * 3600, pid: process.pid });
  const view = await readFleet(k);
  const me = view.backupHosts.find((b) => b.name === BOTH_ENGINES_HOST);
  if (!me) return ['readFleet: the backup host is missing'];
  const lastRun = (db.prepare("SELECT max(ended_at) AS at FROM runs WHERE kind = 'run'").get() as { at: string | null }).at;
  const time = (d: Date | undefined) => (d === undefined ? 'none' : Number.isNaN(d.getTime()) ? 'invalid' : d.toISOString());
  const dateOf = (s: string | null | undefined) => (s === null || s === undefined ? undefined : new Date(s));
  if (time(me.lastNightAt) !== time(dateOf(lastRun))) diffs.push(`readFleet last night: ${time(me.lastNightAt)} in PostgreSQL, ${time(dateOf(lastRun))} in SQLite`);
  const nights = view.nights.filter((n) => n.backupHost === BOTH_ENGINES_HOST);
  const fleetHosts = nights.map((n) => n.host).sort();
  if (JSON.stringify(fleetHosts) !== JSON.stringify([...hosts].sort())) diffs.push(`readFleet servers with nights: ${JSON.stringify(fleetHosts)} in PostgreSQL, ${JSON.stringify(hosts)} in SQLite`);
  const lastStatus = db.prepare("SELECT h.status FROM host_results h JOIN runs r ON r.id = h.run_id WHERE r.kind = 'run' AND h.host = ? ORDER BY h.started_at DESC, h.id DESC LIMIT 1");
  for (const n of nights) {
    const ok = catalog.lastNightly(n.host);
    if (time(n.lastOkAt) !== time(dateOf(ok?.endedAt))) diffs.push(`readFleet ${n.host}'s last success: ${time(n.lastOkAt)} in PostgreSQL, ${time(dateOf(ok?.endedAt))} in SQLite (Catalog.lastNightly)`);
    const st = (lastStatus.get(n.host) as { status: string } | undefined)?.status;
    if (n.lastStatus !== st) diffs.push(`readFleet ${n.host}'s last night's status: ${String(n.lastStatus)} in PostgreSQL, ${String(st)} in SQLite`);
  }
  return diffs;
}
