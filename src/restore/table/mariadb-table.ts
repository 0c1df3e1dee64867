// One table of a mariadb-dump/mysqldump file put back into the live database, on the server `run`
// runs on: its statements (mysql-extract.ts: columns, keys and rows; no foreign keys or triggers)
// are loaded into a scratch database created with the live database's character set, then the
// table is moved across with RENAME TABLE (one atomic statement: the live database gets the table
// whole or nothing). `--replace` moves its rows into the live table in one transaction instead,
// after keeping the live rows in a table of their own; the live table's triggers fire. A table that
// other tables reference is refused (MariaDB cannot re-check their foreign keys afterwards: restore
// it --as and move the rows by hand). The scratch database is always dropped.
import { randomBytes } from 'node:crypto';
import type { DbConnection } from '../../config/types.js';
import type { EngineRunner } from '../../engines/engine.js';
import { myIdent, type MariadbEngine } from '../../engines/mariadb.js';
import { describeError } from '../../errors.js';
import { ReplaceError } from '../databases/replace.js';
import { pullbackTag } from '../databases/postgres-swap.js';
import { parseTableFacts, unhex, type TableFacts, type TableJob, type TableOutcome } from './job.js';
import { columnDifferences } from './postgres-table.js';

const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

/** What the live database holds of the table and its copy's name (read before anything changes). */
export async function mariadbTableFacts(engine: MariadbEngine, run: EngineRunner, conn: DbConnection, database: string, table: string, copy: string): Promise<TableFacts> {
  const t = `'${hexOf(table)}'`;
  const sql = [
    `SELECT 'table', '' FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND HEX(TABLE_NAME) = ${t} AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`,
    `SELECT 'copy', '' FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND HEX(TABLE_NAME) = '${hexOf(copy)}'`,
    `SELECT 'rows', CAST(TABLE_ROWS AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND HEX(TABLE_NAME) = ${t} AND TABLE_ROWS IS NOT NULL`,
    `SELECT 'referenced', HEX(CONCAT(TABLE_NAME, ' (', CONSTRAINT_NAME, ')')) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = DATABASE() AND HEX(REFERENCED_TABLE_NAME) = ${t} AND NOT (CONSTRAINT_SCHEMA = DATABASE() AND HEX(TABLE_NAME) = ${t})`,
    `SELECT 'trigger', HEX(TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND HEX(EVENT_OBJECT_TABLE) = ${t}`,
  ].join(' UNION ALL ');
  const out = await run.run(engine.queryArgv(conn, database, sql), { reason: `cannot read what ${database} holds of ${table}` });
  return parseTableFacts(out, false);
}

/** Exact row count of `database`.`name`. */
export async function mariadbCountRows(engine: MariadbEngine, run: EngineRunner, conn: DbConnection, database: string, name: string): Promise<number> {
  const out = (await run.run(engine.queryArgv(conn, database, `SELECT COUNT(*) FROM ${myIdent(name)}`), { reason: `cannot count the rows of ${name}` })).trim();
  if (!/^\d+$/.test(out)) throw new Error(`unexpected row count of ${name}: ${JSON.stringify(out.slice(0, 100))}`);
  return Number(out);
}

/** Restores the table (see the file comment); throws ReplaceError saying whether the live database changed. */
export async function restoreMariadbTable(engine: MariadbEngine, run: EngineRunner, cleanup: EngineRunner, job: TableJob): Promise<TableOutcome> {
  const { conn, database, table } = job;
  const scratch = `pullback_table_${pullbackTag(database)}_${randomBytes(4).toString('hex')}`;
  const query = (db: string | undefined, sql: string, reason: string, r = run) => r.run(db === undefined ? engine.serverQueryArgv(conn, sql) : engine.queryArgv(conn, db, sql), { reason, timeoutMs: job.timeoutMs });
  try {
    try {
      const [charset, collation] = (await query(undefined, `SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE HEX(SCHEMA_NAME) = '${hexOf(database)}'`, `cannot read the character set of ${database}`)).trim().split('\t');
      const props = charset && collation && /^\w+$/.test(charset) && /^\w+$/.test(collation) ? ` CHARACTER SET ${charset} COLLATE ${collation}` : '';
      await query(undefined, `CREATE DATABASE ${myIdent(scratch)}${props}`, `cannot create the scratch database ${scratch}`).catch((e: unknown) => {
        const denied = /Access denied/.test(describeError(e));
        throw new Error(`${describeError(e)}${denied ? ` (the login ${conn.user} needs to create and drop scratch databases: GRANT ALL ON \`pullback\\_table\\_%\`.* TO its account)` : ''}`);
      });
      const load = engine.restoreArgv(conn, scratch, job.dumpFile);
      await run.run(load, { reason: `loading ${table} from the dump into the scratch database ${scratch} failed`, timeoutMs: job.timeoutMs });
    } catch (e) {
      throw new ReplaceError(`${describeError(e)}; nothing in ${database} was changed`, false);
    }
    if (job.mode.kind === 'as') {
      try {
        await query(undefined, `RENAME TABLE ${myIdent(scratch)}.${myIdent(table)} TO ${myIdent(database)}.${myIdent(job.mode.name)}`, `cannot move ${table} from ${scratch} into ${database} as ${job.mode.name}`);
      } catch (e) {
        throw new ReplaceError(`${describeError(e)}; nothing in ${database} was changed`, false);
      }
      const rows = await mariadbCountRows(engine, run, conn, database, job.mode.name);
      return { how: `restored as ${job.mode.name} (columns, keys and rows: no foreign keys or triggers)`, rows, table: job.mode.name, warnings: [] };
    }
    return await moveRows(engine, run, job, scratch, job.mode);
  } finally {
    await query(undefined, `DROP DATABASE IF EXISTS ${myIdent(scratch)}`, `cannot drop the scratch database ${scratch}`, cleanup).catch(() => undefined);
  }
}

async function columns(engine: MariadbEngine, run: EngineRunner, conn: DbConnection, database: string, table: string) {
  const sql = `SELECT HEX(COLUMN_NAME), HEX(COLUMN_TYPE), EXTRA LIKE '%GENERATED%' FROM information_schema.COLUMNS WHERE HEX(TABLE_SCHEMA) = '${hexOf(database)}' AND HEX(TABLE_NAME) = '${hexOf(table)}' ORDER BY ORDINAL_POSITION`;
  const out = await run.run(engine.serverQueryArgv(conn, sql), { reason: `cannot read the columns of ${database}.${table}` });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [n = '', t = '', g = '0'] = l.split('\t');
      return { name: unhex(n), type: unhex(t), generated: g === '1' };
    });
}

async function moveRows(engine: MariadbEngine, run: EngineRunner, job: TableJob, scratch: string, mode: { kind: 'replace'; keep: string; cascade: boolean }): Promise<TableOutcome> {
  const { conn, database, table } = job;
  let statements: string[];
  let triggers: string[];
  try {
    const facts = await mariadbTableFacts(engine, run, conn, database, table, mode.keep);
    if (facts.referencedBy.length > 0) throw new Error(`other tables reference ${table} (${facts.referencedBy.join(', ')}), and MariaDB cannot re-check their foreign keys after a replace: restore it under a new name (--as) and move the rows by hand`);
    if (facts.copyExists) throw new Error(`a table ${mode.keep} exists already`);
    triggers = facts.triggers;
    const [live, dumped] = [await columns(engine, run, conn, database, table), await columns(engine, run, conn, scratch, table)];
    const diff = columnDifferences(live, dumped);
    if (diff.length > 0) throw new Error(`the live table's columns are not the dump's (${diff.join('; ')}): restore it under a new name (--as) and move the rows by hand`);
    const cols = live.filter((c) => !c.generated).map((c) => myIdent(c.name)).join(', ');
    const [t, keep, from] = [`${myIdent(database)}.${myIdent(table)}`, `${myIdent(database)}.${myIdent(mode.keep)}`, `${myIdent(scratch)}.${myIdent(table)}`];
    statements = [
      `CREATE TABLE ${keep} LIKE ${t}`,
      `INSERT INTO ${keep} (${cols}) SELECT ${cols} FROM ${t}`,
      'START TRANSACTION',
      `DELETE FROM ${t}`,
      `INSERT INTO ${t} (${cols}) SELECT ${cols} FROM ${from}`,
      'COMMIT',
    ];
  } catch (e) {
    throw new ReplaceError(`${describeError(e)}; nothing in ${database} was changed`, false);
  }
  const [keepIt, move] = [statements.slice(0, 2), statements.slice(2)];
  try {
    await run.run(engine.serverQueryArgv(conn, `${keepIt.join(';\n')};`), { reason: `cannot keep the rows of ${table} in ${mode.keep}`, timeoutMs: job.timeoutMs });
  } catch (e) {
    throw new ReplaceError(`${describeError(e)}; ${table} was not changed (a table ${mode.keep} may have been created: drop it)`, false);
  }
  try {
    await run.run(engine.serverQueryArgv(conn, `${move.join(';\n')};`), { reason: `replacing the rows of ${table} failed (one transaction: rolled back)`, timeoutMs: job.timeoutMs });
  } catch (e) {
    throw new ReplaceError(`${describeError(e)}; the rows of ${table} are as they were (also kept in ${mode.keep})`, false);
  }
  const rows = await mariadbCountRows(engine, run, conn, database, table);
  return {
    how: `rows replaced in one transaction (the rows before kept in ${mode.keep})`,
    rows,
    table,
    kept: mode.keep,
    warnings: triggers.length ? [`the triggers of ${table} fired for every row deleted and inserted: ${triggers.join(', ')}`] : [],
  };
}
