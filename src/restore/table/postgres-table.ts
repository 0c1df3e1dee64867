// One table of a PostgreSQL dump (custom format, or plain SQL) put back into the live database, on the server
// `run` runs on (the main server, over SSH). The dump's table (columns and rows: pg_restore --table
// restores no indexes, constraints, defaults or triggers) is restored into a scratch database made
// for it, renamed there, dumped again and restored into the live database in one transaction, so
// the live database gets exactly one new table or nothing. `--replace` then moves those rows into
// the live table in one transaction: its rows before are kept in a table of their own, its user
// triggers are not fired, and with --cascade the foreign keys of other tables that reference it are
// dropped and re-created around the move (validated: rows that would break them undo everything).
// The scratch database is always dropped.
import { randomBytes } from 'node:crypto';
import type { DbConnection } from '../../config/types.js';
import type { EngineRunner } from '../../engines/engine.js';
import { connArgs, envPrefix, maintenanceDb, pgDbname, pgIdent, pgLiteral, psql, psqlLoadArgv, psqlScript } from '../../engines/postgres-argv.js';
import { describeError } from '../../errors.js';
import { ReplaceError } from '../databases/replace.js';
import { copyDatabaseSql, pullbackTag } from '../databases/postgres-swap.js';
import { parseTableFacts, unhex, type TableFacts, type TableJob, type TableOutcome } from './job.js';

const hex = (sql: string) => `encode(convert_to(${sql}, 'UTF8'), 'hex')`;
const qualified = (schema: string, name: string) => `${pgIdent(schema)}.${pgIdent(name)}`;
const regclass = (schema: string, name: string) => `to_regclass(${pgLiteral(qualified(schema, name))})`;

/** What the live database holds of the table and its copy's name (read before anything changes). */
export async function postgresTableFacts(run: EngineRunner, conn: DbConnection, database: string, schema: string, table: string, copy: string): Promise<TableFacts> {
  const t = regclass(schema, table);
  const sql = [
    `SELECT 'schema', '' WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${pgLiteral(schema)})`,
    `SELECT 'table', '' WHERE ${t} IS NOT NULL`,
    `SELECT 'copy', '' WHERE ${regclass(schema, copy)} IS NOT NULL`,
    // reltuples is -1 for a table never vacuumed or analyzed: no estimate then.
    `SELECT 'rows', reltuples::bigint::text FROM pg_class WHERE oid = ${t} AND reltuples >= 0`,
    `SELECT 'referenced', ${hex(`format('%s (%I)', k.conrelid::regclass, k.conname)`)} FROM pg_constraint k WHERE k.contype = 'f' AND k.confrelid = ${t} AND k.conrelid <> ${t}`,
    `SELECT 'trigger', ${hex('tgname')} FROM pg_trigger WHERE tgrelid = ${t} AND NOT tgisinternal`,
  ].join(' UNION ALL ');
  const out = await run.run(psql(conn, database, sql), { reason: `cannot read what ${database} holds of ${schema}.${table}` });
  return parseTableFacts(out, true);
}

/** Exact row count of `schema.name` in `database`. */
export async function postgresCountRows(run: EngineRunner, conn: DbConnection, database: string, schema: string, name: string): Promise<number> {
  const out = (await run.run(psql(conn, database, `SELECT count(*) FROM ONLY ${qualified(schema, name)}`), { reason: `cannot count the rows of ${schema}.${name}` })).trim();
  if (!/^\d+$/.test(out)) throw new Error(`unexpected row count of ${schema}.${name}: ${JSON.stringify(out.slice(0, 100))}`);
  return Number(out);
}

/** Restores the table (see the file comment); throws ReplaceError saying whether the live database changed. */
export async function restorePostgresTable(run: EngineRunner, cleanup: EngineRunner, job: TableJob): Promise<TableOutcome> {
  const { conn, database, schema } = job;
  const random = randomBytes(4).toString('hex');
  const scratch = `pullback_table_${pullbackTag(database)}_${random}`;
  // Replace: the rows land first in a table of their own beside the live one, then move across.
  const landed = job.mode.kind === 'as' ? job.mode.name : `pullback_rows_${random}`;
  const admin = maintenanceDb(database);
  const moved = `${job.workDir}/table.pgdump`;
  try {
    try {
      const create = (await run.run(psql(conn, admin, copyDatabaseSql(database, scratch)), { reason: `cannot read the properties of ${database}` })).trim();
      await run.run(psqlScript(conn, admin), { input: `${create};\n`, reason: `cannot create the scratch database ${scratch}` }).catch((e: unknown) => {
        const denied = /permission denied to create database/.test(describeError(e));
        throw new Error(`${describeError(e)}${denied ? ` (the login ${conn.user} needs CREATEDB to make a scratch database: ALTER ROLE ... CREATEDB)` : ''}`);
      });
      await run.run(psql(conn, scratch, `CREATE SCHEMA IF NOT EXISTS ${pgIdent(schema)}`), { reason: `cannot create the schema ${schema} in ${scratch}` });
      // A custom-format dump gives up just the table; a plain one is loaded whole (the scratch database is dropped anyway).
      const load =
        job.format === 'sql'
          ? { argv: psqlLoadArgv(conn, scratch, job.dumpFile), reason: `loading the plain SQL dump into the scratch database ${scratch} failed` }
          : { argv: [...envPrefix(conn), 'pg_restore', ...connArgs(conn), '--exit-on-error', '--single-transaction', '--no-owner', '--no-privileges', `--dbname=${pgDbname(scratch)}`, `--schema=${schema}`, `--table=${job.table}`, job.dumpFile], reason: `pg_restore of ${schema}.${job.table} into the scratch database ${scratch} failed` };
      await run.run(load.argv, { reason: load.reason, timeoutMs: job.timeoutMs });
      // Renamed in the scratch database; a plain dump's table there has its indexes and constraints too, whose names the
      // live one holds: it is copied instead (columns, NOT NULL, CHECK and rows), as pg_restore --table gives them.
      if (landed !== job.table) {
        const [from, to] = [qualified(schema, job.table), qualified(schema, landed)];
        const sql = job.format === 'sql' ? `CREATE TABLE ${to} (LIKE ${from} INCLUDING CONSTRAINTS INCLUDING COMMENTS); INSERT INTO ${to} SELECT * FROM ${from}` : `ALTER TABLE ${from} RENAME TO ${pgIdent(landed)}`;
        await run.run(psql(conn, scratch, sql), { reason: `cannot make ${landed} from ${job.table} in ${scratch}` });
      }
      const dump = [...envPrefix(conn), 'pg_dump', ...connArgs(conn), '--format=custom', '--no-owner', '--no-privileges', `--table=${pgPattern(schema, landed)}`, `--file=${moved}`, `--dbname=${pgDbname(scratch)}`];
      await run.run(dump, { reason: `pg_dump of ${schema}.${landed} from ${scratch} failed`, timeoutMs: job.timeoutMs });
      // One transaction: the live database gets the table whole, or nothing (a name taken meanwhile fails here).
      const into = [...envPrefix(conn), 'pg_restore', ...connArgs(conn), '--exit-on-error', '--single-transaction', '--no-owner', '--no-privileges', `--dbname=${pgDbname(database)}`, moved];
      await run.run(into, { reason: `pg_restore of ${schema}.${landed} into ${database} failed`, timeoutMs: job.timeoutMs });
    } catch (e) {
      throw new ReplaceError(`${describeError(e)}; nothing in ${database} was changed`, false);
    }
    if (job.mode.kind === 'as') {
      const rows = await postgresCountRows(run, conn, database, schema, landed);
      return { how: `restored as ${schema}.${landed} (columns and rows: no indexes, constraints, defaults or triggers)`, rows, table: landed, warnings: [] };
    }
    return await moveRows(run, cleanup, job, landed, job.mode);
  } finally {
    await cleanup.run(psql(conn, admin, `DROP DATABASE IF EXISTS ${pgIdent(scratch)} WITH (FORCE)`), { reason: `cannot drop the scratch database ${scratch}` }).catch(() => undefined);
  }
}

/** A pg_dump --table pattern matching exactly `schema.name` (quoted: no wildcards). */
export function pgPattern(schema: string, name: string): string {
  return `${pgIdent(schema)}.${pgIdent(name)}`;
}

interface Column {
  name: string;
  type: string;
  generated: boolean;
}

async function columns(run: EngineRunner, conn: DbConnection, database: string, schema: string, name: string): Promise<Column[]> {
  const sql = `SELECT ${hex('attname')}, ${hex('format_type(atttypid, atttypmod)')}, attgenerated <> '' FROM pg_attribute WHERE attrelid = ${regclass(schema, name)} AND attnum > 0 AND NOT attisdropped ORDER BY attnum`;
  const out = await run.run(psql(conn, database, sql), { reason: `cannot read the columns of ${schema}.${name}` });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [n = '', t = '', g = 'f'] = l.split('\t');
      return { name: unhex(n), type: unhex(t), generated: g === 't' };
    });
}

/** How the live table's columns differ from the dump's (empty: the same names and types). */
export function columnDifferences(live: readonly Column[], dumped: readonly Column[]): string[] {
  const byName = new Map(live.map((c) => [c.name, c]));
  const out: string[] = [];
  for (const c of dumped) {
    const l = byName.get(c.name);
    if (!l) out.push(`column ${JSON.stringify(c.name)} is in the dump, not in the live table`);
    else if (l.type !== c.type) out.push(`column ${JSON.stringify(c.name)} is ${l.type} in the live table, ${c.type} in the dump`);
  }
  for (const c of live) if (!dumped.some((d) => d.name === c.name)) out.push(`column ${JSON.stringify(c.name)} is in the live table, not in the dump`);
  return out;
}

async function moveRows(run: EngineRunner, cleanup: EngineRunner, job: TableJob, landed: string, mode: { kind: 'replace'; keep: string; cascade: boolean }): Promise<TableOutcome> {
  const { conn, database, schema, table } = job;
  const dropLanded = () => cleanup.run(psql(conn, database, `DROP TABLE IF EXISTS ${qualified(schema, landed)}`), { reason: `cannot drop ${schema}.${landed}` }).catch(() => undefined);
  let script: string;
  let recreated: string[] = [];
  try {
    const [live, dumped] = [await columns(run, conn, database, schema, table), await columns(run, conn, database, schema, landed)];
    const diff = columnDifferences(live, dumped);
    if (diff.length > 0) throw new Error(`the live table's columns are not the dump's (${diff.join('; ')}): restore it under a new name (--as) and move the rows by hand`);
    const fks = await referencingKeys(run, conn, database, schema, table);
    if (fks.length > 0 && !mode.cascade) throw new Error(`other tables reference ${schema}.${table} (${fks.map((f) => `${f.child} (${f.name})`).join(', ')}): give --cascade to drop and re-create those foreign keys around the replace`);
    const triggers = (await postgresTableFacts(run, conn, database, schema, table, landed)).triggers;
    const cols = live.filter((c) => !c.generated).map((c) => pgIdent(c.name)).join(', ');
    const t = qualified(schema, table);
    recreated = fks.map((f) => `${f.child} (${f.name})`);
    script = [
      'BEGIN;',
      `LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE;`,
      `CREATE TABLE ${qualified(schema, mode.keep)} AS TABLE ${t};`,
      ...fks.map((f) => `ALTER TABLE ${f.child} DROP CONSTRAINT ${pgIdent(f.name)};`),
      ...(triggers.length ? [`ALTER TABLE ${t} DISABLE TRIGGER USER;`] : []),
      `DELETE FROM ONLY ${t};`,
      `INSERT INTO ${t} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${qualified(schema, landed)};`,
      ...(triggers.length ? [`ALTER TABLE ${t} ENABLE TRIGGER USER;`] : []),
      ...fks.map((f) => `ALTER TABLE ${f.child} ADD CONSTRAINT ${pgIdent(f.name)} ${f.definition};`),
      `DROP TABLE ${qualified(schema, landed)};`,
      'COMMIT;',
      '',
    ].join('\n');
  } catch (e) {
    await dropLanded();
    throw new ReplaceError(`${describeError(e)}; nothing in ${database} was changed`, false);
  }
  try {
    await run.run(psqlScript(conn, database), { input: script, reason: `replacing the rows of ${schema}.${table} failed (one transaction: rolled back)`, timeoutMs: job.timeoutMs });
  } catch (e) {
    await dropLanded();
    // psql stops at the first error inside the transaction: the server rolls it back. Only a COMMIT lost on the way is in doubt.
    const kept = await postgresTableFacts(cleanup, conn, database, schema, mode.keep, mode.keep).catch(() => undefined);
    throw new ReplaceError(`${describeError(e)}${kept?.tableExists ? `; the replace may have committed: ${schema}.${mode.keep} exists` : `; nothing in ${database} was changed`}`, kept === undefined ? 'possibly' : kept.tableExists);
  }
  const rows = await postgresCountRows(run, conn, database, schema, table);
  return {
    how: `rows replaced in one transaction (the rows before kept in ${schema}.${mode.keep}${recreated.length ? `; foreign keys dropped and re-created, validated: ${recreated.join(', ')}` : ''})`,
    rows,
    table,
    kept: mode.keep,
    warnings: [],
  };
}

interface ForeignKey {
  /** The referencing table, as SQL (`schema.table`, quoted where needed). */
  child: string;
  name: string;
  definition: string;
}

async function referencingKeys(run: EngineRunner, conn: DbConnection, database: string, schema: string, table: string): Promise<ForeignKey[]> {
  const t = regclass(schema, table);
  const sql = `SELECT ${hex('k.conrelid::regclass::text')}, ${hex('k.conname')}, ${hex('pg_get_constraintdef(k.oid)')} FROM pg_constraint k WHERE k.contype = 'f' AND k.confrelid = ${t} AND k.conrelid <> ${t}`;
  const out = await run.run(psql(conn, database, sql), { reason: `cannot read the foreign keys that reference ${schema}.${table}` });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [c = '', n = '', d = ''] = l.split('\t');
      return { child: unhex(c), name: unhex(n), definition: unhex(d) };
    });
}
