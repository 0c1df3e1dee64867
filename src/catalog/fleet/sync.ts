// Catch-up: pushes what changed in the local SQLite catalog into the fleet's PostgreSQL catalog.
// Each table is cut into blocks of 512 local ids; a block's fingerprint (its row count and the sum of
// a hash of every row) is compared with the one recorded in PostgreSQL when it was last pushed, and a
// block that differs is replaced there whole (its rows deleted and inserted again, in one transaction).
// So new rows, rows updated in place (a run that ended, an archive pruned, a check_history upsert) and
// rows deleted locally all reach PostgreSQL, whatever was missed while it was unreachable, at the cost
// of reading the local catalog once per push (docs/fleet.md, "Catch-up").
import type { Db } from '../db.js';
import { sqlTag, type FleetDb } from './connect.js';
import { ensureFleetSchema } from './pg-schema.js';
import { localSchemaVersion, quoteIdent, readCatalogSchema, ROWID_COLUMN, type ColumnSpec, type TableSpec } from './sqlite-schema.js';

/** Local ids per block: 2^9. */
const BLOCK_BITS = 9;
/** PostgreSQL takes at most 65535 parameters a statement. */
const MAX_PARAMS = 30000;

export interface TablePush {
  table: string;
  /** Blocks replaced in PostgreSQL (changed, new or gone locally). */
  blocks: number;
  /** Rows written. */
  rows: number;
}

export interface PushReport {
  schemaDerived: boolean;
  tables: TablePush[];
}

const hashed = new WeakSet<Db>();

/** Registers pullback_row_hash on `db`: a 52-bit FNV-1a hash of a row's values (order independent sums stay exact in SQLite's 64-bit integers). */
function registerRowHash(db: Db): void {
  if (hashed.has(db)) return;
  db.function('pullback_row_hash', { varargs: true, deterministic: true, safeIntegers: true }, (...values: unknown[]) => BigInt(rowHash(values)));
  hashed.add(db);
}

function rowHash(values: unknown[]): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const feed = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193) >>> 0;
      b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
    }
  };
  for (const v of values) {
    if (v === null || v === undefined) feed('\u0000N');
    else if (Buffer.isBuffer(v)) feed(`\u0000B${v.toString('base64')}`);
    else feed(`\u0000${typeof v === 'string' ? 'S' : 'V'}${String(v)}`);
  }
  return (a * 2 ** 20 + (b & 0xfffff)) % 2 ** 52;
}

/** The SQL expression of a table's local id. */
function keyExpr(t: TableSpec): string {
  return t.keyIsRowid ? 'rowid' : quoteIdent(t.key);
}

/** Each block's fingerprint, `count:sum`, by block number. */
export function localFingerprints(db: Db, t: TableSpec): Map<bigint, string> {
  registerRowHash(db);
  const cols = t.columns.map((c) => quoteIdent(c.name)).join(', ');
  const rows = db
    .prepare(`SELECT ${keyExpr(t)} >> ${BLOCK_BITS} AS b, count(*) AS n, sum(pullback_row_hash(${keyExpr(t)}, ${cols})) AS h FROM ${quoteIdent(t.name)} GROUP BY b`)
    .safeIntegers(true)
    .all() as Array<{ b: bigint; n: bigint; h: bigint }>;
  return new Map(rows.map((r) => [r.b, `${r.n}:${r.h}`]));
}

/** The rows of one block, as PostgreSQL takes them. */
function blockRows(db: Db, t: TableSpec, block: bigint, backupHost: string): Array<Record<string, unknown>> {
  const lo = block << BigInt(BLOCK_BITS);
  const hi = lo + (1n << BigInt(BLOCK_BITS)) - 1n;
  const select = t.keyIsRowid ? `rowid AS ${ROWID_COLUMN}, *` : '*';
  const rows = db.prepare(`SELECT ${select} FROM ${quoteIdent(t.name)} WHERE ${keyExpr(t)} BETWEEN ? AND ? ORDER BY ${keyExpr(t)}`).safeIntegers(true).all(lo, hi) as Array<Record<string, unknown>>;
  return rows.map((r) => toPgRow(t, r, backupHost));
}

/** One local row with backup_host, each value in its PostgreSQL column's type. */
export function toPgRow(t: TableSpec, r: Record<string, unknown>, backupHost: string): Record<string, unknown> {
  const out: Record<string, unknown> = { backup_host: backupHost };
  if (t.keyIsRowid) out[ROWID_COLUMN] = String(r[ROWID_COLUMN]);
  for (const c of t.columns) out[c.name] = toPgValue(c, r[c.name]);
  return out;
}

/**
 * A value in its column's PostgreSQL type. SQLite lets a column hold another type than declared; such a
 * value is written as text where the column is text, else converted where it can be, else NULL.
 */
export function toPgValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.pgType) {
    case 'bigint':
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v));
      if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return v.trim();
      return null;
    case 'double precision': {
      // ±Infinity is a REAL SQLite keeps and PostgreSQL's double precision too (found by
      // test/unit/catalog/both-engines-property.test.ts: it was written as NULL). NaN SQLite stores as NULL.
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && v.trim() === '') return null;
      const n = Number(v);
      return Number.isNaN(n) ? null : n;
    }
    case 'bytea':
      return Buffer.isBuffer(v) ? v : Buffer.from(String(v));
    case 'text':
      // PostgreSQL's text holds no NUL character.
      return (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)).replace(/\u0000/g, '');
  }
}

/**
 * Pushes every block of the local catalog `db` that PostgreSQL does not hold as it is now, for
 * `backupHost`; derives the PostgreSQL schema first when the local one changed (then every block is
 * pushed again). One transaction, under an advisory lock per backup host, so two commands of one backup
 * host pushing at once take turns. Rejects when PostgreSQL cannot be reached or refuses a write.
 */
export async function pushCatalog(db: Db, k: FleetDb, backupHost: string): Promise<PushReport> {
  const sql = await sqlTag();
  const specs = readCatalogSchema(db);
  const schemaDerived = await ensureFleetSchema(k, specs, localSchemaVersion(db), backupHost);
  const local = new Map(specs.map((t) => [t.name, localFingerprints(db, t)]));
  const tables: TablePush[] = [];
  await k.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`pullback-sync:${backupHost}`}))`.execute(tx);
    if (schemaDerived) await tx.deleteFrom('pullback_sync_blocks').where('backup_host', '=', backupHost).execute();
    const remote = await tx.selectFrom('pullback_sync_blocks').select(['table_name', 'block', 'fingerprint']).where('backup_host', '=', backupHost).execute();
    const remoteBy = new Map<string, Map<bigint, string>>();
    for (const r of remote) {
      const m = remoteBy.get(String(r.table_name)) ?? new Map<bigint, string>();
      m.set(BigInt(r.block as string), String(r.fingerprint));
      remoteBy.set(String(r.table_name), m);
    }
    for (const t of specs) {
      const mine = local.get(t.name)!;
      const theirs = remoteBy.get(t.name) ?? new Map<bigint, string>();
      const changed = [...mine].filter(([b, fp]) => theirs.get(b) !== fp).map(([b]) => b);
      const gone = [...theirs.keys()].filter((b) => !mine.has(b));
      let rows = 0;
      for (const b of [...changed, ...gone]) {
        await deleteBlock(tx, t, b, backupHost);
        if (mine.has(b)) {
          const values = blockRows(db, t, b, backupHost);
          const per = Math.max(1, Math.floor(MAX_PARAMS / (t.columns.length + 2)));
          for (let i = 0; i < values.length; i += per) await tx.insertInto(t.name).values(values.slice(i, i + per)).execute();
          rows += values.length;
          await tx
            .insertInto('pullback_sync_blocks')
            .values({ backup_host: backupHost, table_name: t.name, block: b.toString(), fingerprint: mine.get(b)! })
            .onConflict((oc) => oc.columns(['backup_host', 'table_name', 'block']).doUpdateSet({ fingerprint: mine.get(b)! }))
            .execute();
        } else {
          await tx.deleteFrom('pullback_sync_blocks').where('backup_host', '=', backupHost).where('table_name', '=', t.name).where('block', '=', b.toString()).execute();
        }
      }
      tables.push({ table: t.name, blocks: changed.length + gone.length, rows });
    }
  });
  return { schemaDerived, tables };
}

async function deleteBlock(tx: FleetDb, t: TableSpec, block: bigint, backupHost: string): Promise<void> {
  const lo = block << BigInt(BLOCK_BITS);
  const hi = lo + (1n << BigInt(BLOCK_BITS)) - 1n;
  await tx.deleteFrom(t.name).where('backup_host', '=', backupHost).where(t.key, '>=', lo.toString()).where(t.key, '<=', hi.toString()).execute();
}
