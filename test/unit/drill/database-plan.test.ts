import { describe, expect, it } from 'vitest';
import { checkPasses, checksFor, compareRowCounts, namesItsDatabase, nothingCompared, rowCountProblems, scratchDatabaseName } from '../../../src/drill/database-plan.js';

describe('drill database decisions', () => {
  it('compares row counts table by table', () => {
    const rows = compareRowCounts({ 'public.a': 3, 'public.b': 5, 'public.gone': 1 }, { 'public.a': 3, 'public.b': 4, 'public.new': 0 });
    expect(rows).toEqual([
      { table: 'public.a', expected: 3, actual: 3 },
      { table: 'public.b', expected: 5, actual: 4 },
      { table: 'public.gone', expected: 1, actual: undefined },
      { table: 'public.new', expected: undefined, actual: 0 },
    ]);
    expect(rowCountProblems(rows)).toEqual([
      'table public.b: 4 rows restored, 5 in the dump',
      'table public.gone (1 rows in the dump) is missing after the restore',
      'table public.new is in the restored database but not in the recorded counts',
    ]);
    expect(rowCountProblems(compareRowCounts({ t: 1 }, { t: 1 }))).toEqual([]);
  });

  it('selects the SQL checks of a dump and judges their output', () => {
    const checks = [
      { name: 'users', sql: { source: 'db', database: 'app', query: 'select 1', expect: '1' } },
      { name: 'other db', sql: { source: 'db', database: 'other', query: 'select 1', expect: '1' } },
      { name: 'other source', sql: { source: 'db2', database: 'app', query: 'select 1', expect: '1' } },
      { name: 'http', http: { url: 'http://x', timeoutSeconds: 5 } },
    ];
    expect(checksFor(checks, 'db', 'app').map((c) => c.name)).toEqual(['users']);
    expect(checkPasses('t\n', 't')).toBe(true);
    expect(checkPasses('f', 't')).toBe(false);
  });

  it('names scratch databases and spots dumps that switch databases', () => {
    expect(scratchDatabaseName(7, 'ab12', 0)).toBe('pullback_drill_7_ab12_0');
    expect(namesItsDatabase('USE `app`;')).toBe(true);
    expect(namesItsDatabase('CREATE DATABASE /*!32312 IF NOT EXISTS*/ `app`;')).toBe(true);
    expect(namesItsDatabase("INSERT INTO t VALUES ('USE x');")).toBe(false);
    expect(namesItsDatabase('-- Host: 127.0.0.1    Database: app')).toBe(false);
  });

  it('says a restored dump compared nothing: no recorded counts or no table, and no SQL check', () => {
    expect(nothingCompared(undefined, [], 0)).toMatch(/^no row counts were recorded at dump time and no SQL restore check applies/);
    expect(nothingCompared({}, [], 0)).toMatch(/^the dump holds no table and no SQL restore check applies/);
    expect(nothingCompared({}, [], 1)).toBeUndefined();
    expect(nothingCompared(undefined, compareRowCounts({}, { t: 1 }), 1)).toBeUndefined();
    expect(nothingCompared({ t: 1 }, compareRowCounts({ t: 1 }, { t: 1 }), 0)).toBeUndefined();
  });
});
