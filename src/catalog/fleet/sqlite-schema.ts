// The local SQLite catalog's schema, read from the migrated database itself (PRAGMA table_info and
// index_list): what the fleet's PostgreSQL tables are derived from, so a new SQLite migration extends
// PostgreSQL without a second, hand-written copy of it.
import type { Db } from '../db.js';

export type PgType = 'bigint' | 'double precision' | 'text' | 'bytea';

export interface ColumnSpec {
  name: string;
  /** The column's declared SQLite type, as written in its migration. */
  sqliteType: string;
  pgType: PgType;
}

export interface TableSpec {
  name: string;
  /** Every column of the SQLite table, in order. */
  columns: ColumnSpec[];
  /**
   * The row's local id: the table's INTEGER PRIMARY KEY (SQLite's rowid under its own name), else
   * the rowid itself, carried to PostgreSQL as `local_rowid`. (backup_host, key) is the primary key there.
   */
  key: string;
  /** Whether `key` is the added local_rowid column rather than one of `columns`. */
  keyIsRowid: boolean;
  /** The SQLite table's own indexes (not partial ones), each created in PostgreSQL after backup_host. */
  indexes: Array<{ name: string; columns: string[] }>;
}

/** Local tables that are not the catalog's record (none today; SQLite's own are skipped by name). */
const NOT_MIRRORED = new Set<string>();

export const ROWID_COLUMN = 'local_rowid';

/** SQLite's type affinity rules (https://sqlite.org/datatype3.html, 3.1) mapped to PostgreSQL types. */
export function pgTypeOf(declared: string): PgType {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'bigint';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB')) return 'bytea';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'double precision';
  // No declared type (any value) or NUMERIC affinity: text keeps every value as written.
  return 'text';
}

/** Every table of the migrated catalog `db`, by name order. */
export function readCatalogSchema(db: Db): TableSpec[] {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>)
    .map((r) => r.name)
    .filter((n) => !NOT_MIRRORED.has(n));
  return names.map((name) => {
    const info = db.prepare(`PRAGMA table_info(${quoteIdent(name)})`).all() as Array<{ name: string; type: string; pk: number }>;
    const pks = info.filter((c) => c.pk > 0);
    const alias = pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER' ? pks[0]!.name : undefined;
    const indexList = db.prepare(`PRAGMA index_list(${quoteIdent(name)})`).all() as Array<{ name: string; origin: string; partial: number }>;
    const indexes = indexList
      .filter((i) => i.origin === 'c' && i.partial === 0)
      .map((i) => ({ name: i.name, columns: (db.prepare(`PRAGMA index_info(${quoteIdent(i.name)})`).all() as Array<{ name: string | null }>).map((c) => c.name).filter((c): c is string => c !== null) }))
      .filter((i) => i.columns.length > 0)
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      name,
      columns: info.map((c) => ({ name: c.name, sqliteType: c.type, pgType: pgTypeOf(c.type) })),
      key: alias ?? ROWID_COLUMN,
      keyIsRowid: alias === undefined,
      indexes,
    };
  });
}

/** The local schema version (PRAGMA user_version: the last migration applied). */
export function localSchemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** An SQLite identifier, quoted (table and column names come from the catalog's own schema). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
