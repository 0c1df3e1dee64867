// Proof that the fleet catalog holds this backup host's local catalog: per table the row counts on
// both sides, and a sample of rows (the first, the last and some between, by local id) compared field
// by field. `pullback catalog migrate` prints it; a difference is a failed migration.
import type { Db } from '../db.js';
import type { FleetDb } from './connect.js';
import { quoteIdent, readCatalogSchema, ROWID_COLUMN, type TableSpec } from './sqlite-schema.js';
import { toPgRow } from './sync.js';

export interface TableComparison {
  table: string;
  local: number;
  postgres: number;
  sampled: number;
  /** Each difference: "id 12: column status 'ok' here, 'running' in PostgreSQL". */
  differences: string[];
}

/** Local ids sampled per table: the first, the last and evenly spaced ones between. */
const SAMPLE = 7;

/** Compares every table of `db` with PostgreSQL's rows of `backupHost`. */
export async function compareCatalog(db: Db, k: FleetDb, backupHost: string): Promise<TableComparison[]> {
  const out: TableComparison[] = [];
  for (const t of readCatalogSchema(db)) {
    const local = (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number }).n;
    const pg = await k.selectFrom(t.name).select((eb) => eb.fn.countAll<string>().as('n')).where('backup_host', '=', backupHost).executeTakeFirstOrThrow();
    const differences: string[] = [];
    const sample = sampleRows(db, t, local);
    for (const row of sample) {
      const mine = toPgRow(t, row, backupHost);
      const key = mine[t.key];
      const theirs = await k.selectFrom(t.name).selectAll().where('backup_host', '=', backupHost).where(t.key, '=', key as string).executeTakeFirst();
      if (!theirs) {
        differences.push(`${t.key} ${String(key)}: missing in PostgreSQL`);
        continue;
      }
      for (const col of Object.keys(mine)) {
        const a = norm(mine[col]);
        const b = norm(theirs[col]);
        if (a !== b) differences.push(`${t.key} ${String(key)}: column ${col} ${show(a)} here, ${show(b)} in PostgreSQL`);
      }
    }
    out.push({ table: t.name, local, postgres: Number(pg.n), sampled: sample.length, differences });
  }
  return out;
}

function sampleRows(db: Db, t: TableSpec, count: number): Array<Record<string, unknown>> {
  if (count === 0) return [];
  const offsets = [...new Set(Array.from({ length: Math.min(SAMPLE, count) }, (_, i) => Math.round((i * (count - 1)) / Math.max(1, Math.min(SAMPLE, count) - 1))))];
  const key = t.keyIsRowid ? 'rowid' : quoteIdent(t.key);
  const select = t.keyIsRowid ? `rowid AS ${ROWID_COLUMN}, *` : '*';
  const stmt = db.prepare(`SELECT ${select} FROM ${quoteIdent(t.name)} ORDER BY ${key} LIMIT 1 OFFSET ?`).safeIntegers(true);
  return offsets.map((o) => stmt.get(o) as Record<string, unknown>);
}

function norm(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  return String(v);
}

function show(v: string | null): string {
  if (v === null) return 'NULL';
  return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
}
