// The database part of a drill, as pure decisions: which scratch name, which checks apply to a
// dump, how restored row counts compare with those read from the dump, whether a check passed.
import type { RestoreCheck } from '../config/types.js';

export interface TableComparison {
  table: string;
  expected?: number;
  actual?: number;
}

/** Every table of either side, sorted, with its recorded and restored row counts. */
export function compareRowCounts(expected: Record<string, number>, actual: Record<string, number>): TableComparison[] {
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return tables.map((table) => ({ table, expected: expected[table], actual: actual[table] }));
}

/** People-facing descriptions of the tables whose counts differ (or that exist on one side only). */
export function rowCountProblems(rows: readonly TableComparison[]): string[] {
  return rows
    .filter((r) => r.expected !== r.actual)
    .map((r) =>
      r.expected === undefined
        ? `table ${r.table} is in the restored database but not in the recorded counts`
        : r.actual === undefined
          ? `table ${r.table} (${r.expected} rows in the dump) is missing after the restore`
          : `table ${r.table}: ${r.actual} rows restored, ${r.expected} in the dump`,
    );
}

/**
 * Why a restored dump proved nothing beyond restoring without an error (undefined when something was
 * compared): no row counts were recorded and no SQL check applies, or there were no tables to compare.
 */
export function nothingCompared(recorded: Record<string, number> | undefined, tables: readonly TableComparison[], checks: number): string | undefined {
  if (checks > 0) return undefined;
  if (recorded === undefined) return 'no row counts were recorded at dump time and no SQL restore check applies: restored, nothing compared';
  if (tables.length === 0) return 'the dump holds no table and no SQL restore check applies: restored, nothing compared';
  return undefined;
}

/** The host's SQL checks that target this dump: same source, and the dump's database (name, or sqlite file path). */
export function checksFor(checks: readonly RestoreCheck[], source: string, database: string): Array<RestoreCheck & { sql: NonNullable<RestoreCheck['sql']> }> {
  return checks.filter((c): c is RestoreCheck & { sql: NonNullable<RestoreCheck['sql']> } => !!c.sql && c.sql.source === source && c.sql.database === database);
}

/** Whether a query's output (trailing whitespace ignored) is the expected value. */
export function checkPasses(output: string, expect: string): boolean {
  return output.trim() === expect.trim();
}

/** A scratch database name no real database would have: prefix, drill id, a random tag, the dump's index. */
export function scratchDatabaseName(drillId: number, tag: string, index: number): string {
  return `pullback_drill_${drillId}_${tag}_${index}`;
}

/**
 * Whether a line of a MariaDB/MySQL SQL dump switches or creates a database (mysqldump
 * --databases / --all-databases): restoring such a dump would write into that database, not the
 * scratch one, so the drill must not restore it.
 */
export function namesItsDatabase(line: string): boolean {
  return /^\s*(USE\s|CREATE\s+DATABASE\b|\/\*!\d+\s+CREATE\s+DATABASE\b)/i.test(line);
}
