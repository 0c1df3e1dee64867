// Replacing a PostgreSQL database by its dump, exact by construction: the dump is restored into a
// fresh database created with the dump's own properties (encoding, locale, owner, grants,
// settings, comment), and only when that succeeded is the fresh database swapped in by two renames
// in one transaction. Objects created since the dump cannot survive (the fresh database never had
// them), no dependency order is chased (nothing is dropped inside a live database), and a failure
// before the swap leaves the live database exactly as it was. A failed swap is classified from the
// server's state afterwards (settleSwap): done, proven not done, or possibly done.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DbConnection } from '../../config/types.js';
import { parseHexLines, type EngineRunner } from '../../engines/engine.js';
import { connArgs, databasePropertiesArgv, envPrefix, maintenanceDb, pgIdent, pgLiteral, psql, psqlLoadArgv, psqlScript } from '../../engines/postgres-argv.js';
import { describeError } from '../../errors.js';
import { ReplaceError, type ReplaceOptions, type ReplaceOutcome } from './replace.js';

/**
 * The fresh and the replaced database's names while `database` is swapped: a tag of the database's
 * name (so a leftover says whose it was: `pullbackTag`) and a random part, within 63 bytes.
 */
export function workNames(database: string, random: string): { fresh: string; old: string } {
  const tag = pullbackTag(database);
  return { fresh: `pullback_new_${tag}_${random}`, old: `pullback_old_${tag}_${random}` };
}

/** 8 hex digits naming `database` in the work names. */
export function pullbackTag(database: string): string {
  return createHash('sha256').update(database, 'utf8').digest('hex').slice(0, 8);
}

/** Statements of the database-level part that name the database, in the forms pg_dump writes them. */
const DATABASE_STATEMENT = /^(CREATE DATABASE|ALTER DATABASE|COMMENT ON DATABASE|SECURITY LABEL .* ON DATABASE|GRANT .* ON DATABASE|REVOKE .* ON DATABASE|ALTER ROLE .* IN DATABASE) /s;
/** Lines outside statements that only set up the session or are psql meta-commands. */
const SESSION_LINE = /^(--|\\|SET |SELECT pg_catalog\.set_config\()/;

/**
 * The database-level SQL of a dump (databasePropertiesArgv's output) rewritten to apply to the
 * database `name` instead of the dumped one: the CREATE DATABASE first, then owner, grants,
 * settings and comment. Throws Error on a statement it does not know (never guesses).
 */
export function databaseLevelSql(sql: string, name: string): string {
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of sql.split('\n')) {
    if (current.length === 0 && (line.trim() === '' || SESSION_LINE.test(line))) continue;
    current.push(line);
    const text = current.join('\n');
    // A statement ends with `;` at the end of a line outside a string literal ('' doubles a quote).
    if (/;\s*$/.test(line) && (text.split("'").length - 1) % 2 === 0) {
      statements.push(text.trim());
      current = [];
    }
  }
  if (current.length > 0) throw new Error(`unterminated statement in the dump's database properties: ${current.join(' ').slice(0, 200)}`);
  const create = /^CREATE DATABASE ("(?:[^"]|"")+"|[^\s"]+) WITH /.exec(statements[0] ?? '');
  if (!create) throw new Error(`the dump's database properties do not start with CREATE DATABASE: ${(statements[0] ?? '(empty)').slice(0, 200)}`);
  const dumped = create[1]!;
  const target = pgIdent(name);
  return statements
    .map((st) => {
      if (!DATABASE_STATEMENT.test(st)) throw new Error(`unexpected statement in the dump's database properties: ${st.slice(0, 200)}`);
      const renamed = st.split(`DATABASE ${dumped} `).join(`DATABASE ${target} `).split(`DATABASE ${dumped};`).join(`DATABASE ${target};`);
      if (renamed === st) throw new Error(`a statement of the dump's database properties does not name the database ${dumped}: ${st.slice(0, 200)}`);
      return `${renamed}\n`;
    })
    .join('');
}

/**
 * SQL printing the CREATE DATABASE of `fresh` with the owner, encoding and locale of `live` (for a
 * plain dump, which carries none of them).
 */
export function copyDatabaseSql(live: string, fresh: string): string {
  return `SELECT format('CREATE DATABASE %I WITH TEMPLATE template0 OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L', ${pgLiteral(fresh)}, pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype) FROM pg_database WHERE datname = ${pgLiteral(live)}`;
}

function dropArgv(conn: DbConnection, database: string): string[] {
  return psql(conn, 'postgres', `DROP DATABASE IF EXISTS ${pgIdent(database)} WITH (FORCE)`);
}

const LIST_SQL = "SELECT encode(convert_to(datname, 'UTF8'), 'hex') FROM pg_database";

/** See the file comment; throws ReplaceError (changed: false when proven untouched, 'possibly' when the swap's COMMIT is in doubt). */
export async function replacePostgresDatabase(run: EngineRunner, conn: DbConnection, database: string, dumpFile: string, opts: ReplaceOptions): Promise<ReplaceOutcome> {
  const { fresh, old } = workNames(database, randomBytes(4).toString('hex'));
  const admin = maintenanceDb(database);
  let exists: boolean;
  let freshOid: string;
  try {
    exists = parseHexLines(await run.run(psql(conn, admin, LIST_SQL), { reason: `cannot list the databases on ${conn.host}:${conn.port}` })).includes(database);
    if (opts.format === 'sql') {
      // A plain dump holds no database-level part: the fresh database gets the live one's (or the server's defaults).
      const create = exists ? (await run.run(psql(conn, admin, copyDatabaseSql(database, fresh)), { reason: `cannot read the properties of ${database}` })).trim() : `CREATE DATABASE ${pgIdent(fresh)}`;
      await run.run(psqlScript(conn, admin), { input: `${create};\n`, reason: `cannot create the fresh database ${fresh}` });
    } else {
      const props = await run.run(databasePropertiesArgv(conn, dumpFile), { reason: 'cannot read the database properties from the dump' });
      await run.run(psqlScript(conn, admin), { input: databaseLevelSql(props, fresh), reason: `cannot create the fresh database ${fresh} with the dump's properties` });
    }
    freshOid = await databaseOid(run, conn, admin, fresh);
  } catch (e) {
    await opts.cleanup.run(dropArgv(conn, fresh), { reason: `cannot drop ${fresh}` }).catch(() => undefined);
    throw new ReplaceError(describeError(e), false);
  }
  try {
    const load =
      opts.format === 'sql'
        ? { argv: psqlLoadArgv(conn, fresh, dumpFile), reason: 'loading the plain SQL dump into a fresh database with psql (ON_ERROR_STOP) failed' }
        : { argv: [...envPrefix(conn), 'pg_restore', ...connArgs(conn), '--exit-on-error', '--single-transaction', `--dbname=${fresh}`, dumpFile], reason: 'pg_restore into a fresh database failed' };
    await run.run(load.argv, { reason: load.reason, timeoutMs: opts.timeoutMs });
  } catch (e) {
    await opts.cleanup.run(dropArgv(conn, fresh), { reason: `cannot drop ${fresh}` }).catch(() => undefined);
    throw new ReplaceError(describeError(e), false);
  }
  const warnings: string[] = [];
  let endedSessions: string[] = [];
  try {
    endedSessions = await swap(run, conn, admin, database, fresh, exists ? old : undefined);
  } catch (e) {
    // The client failed; the server may still have committed (COMMIT sent before the connection died).
    const state = await settleSwap(opts.cleanup, conn, admin, database, fresh, freshOid);
    if (state === 'not swapped') {
      await opts.cleanup.run(dropArgv(conn, fresh), { reason: `cannot drop ${fresh}` }).catch(() => undefined);
      throw new ReplaceError(describeError(e), false);
    }
    if (state === 'unknown') {
      const check = exists ? `if ${old} exists, the swap happened and ${database} is the restored database; if ${fresh} exists, it did not` : `if ${fresh} exists, the swap did not happen`;
      throw new ReplaceError(`${describeError(e)} (the swap may have committed before the connection failed: ${database} is possibly changed; check the databases on ${conn.host}:${conn.port}: ${check})`, 'possibly');
    }
    warnings.push(`the swap reported ${describeError(e)}, but it had committed: ${database} is the restored database`);
  }
  if (exists) {
    try {
      await opts.cleanup.run(dropArgv(conn, old), { reason: `cannot drop the replaced database, kept as ${old}` });
    } catch (e) {
      warnings.push(describeError(e));
    }
  }
  const how = opts.format === 'sql' ? 'plain SQL dump loaded with psql into a fresh database' : 'restored into a fresh database';
  return { how: exists ? `${how}, then swapped in` : `created from the ${opts.format === 'sql' ? 'plain SQL ' : ''}dump`, warnings, endedSessions };
}

// The swap: the live database renamed away and the fresh one renamed in, in one transaction that
// first ends the sessions on the live database (they are reported). When the swap fails, whether its
// COMMIT happened is decided from what the server shows afterwards, never assumed: a connection
// that died after COMMIT was sent may still have committed.

const SWAP_ATTEMPTS = 4;
/** How often the server is asked whether a swap whose client failed is still in progress. */
const SETTLE_POLLS = 20;

/** One ended session as the swap reports it (pid, user, application, client address). */
const SESSION_TEXT = "format('pid %s, user %s, application %s, from %s', pid, coalesce(usename, '-'), coalesce(nullif(application_name, ''), '-'), coalesce(host(client_addr), 'local socket'))";

/**
 * SQL renaming `live` away to `old` (when it exists) and `fresh` to `live`, in one transaction;
 * prints one hex line per session of `live` it ended (the CASE keeps the termination to the rows the WHERE chose).
 */
export function swapSql(live: string, fresh: string, old: string | undefined): string {
  const lines = ['BEGIN;'];
  if (old !== undefined) {
    lines.push(
      `SELECT CASE WHEN pg_terminate_backend(pid) THEN encode(convert_to(${SESSION_TEXT}, 'UTF8'), 'hex') END FROM pg_stat_activity WHERE datname = ${pgLiteral(live)} AND pid <> pg_backend_pid();`,
    );
    lines.push(`ALTER DATABASE ${pgIdent(live)} RENAME TO ${pgIdent(old)};`);
  }
  lines.push(`ALTER DATABASE ${pgIdent(fresh)} RENAME TO ${pgIdent(live)};`, 'COMMIT;');
  return `${lines.join('\n')}\n`;
}

/** The swap, retried when a session reconnected between the terminate and the rename; returns the sessions it ended. Throws. */
export async function swap(run: EngineRunner, conn: DbConnection, admin: string, live: string, fresh: string, old: string | undefined): Promise<string[]> {
  const ended: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await run.run(psqlScript(conn, admin), { input: swapSql(live, fresh, old), reason: `cannot swap the restored database in for ${live}` });
      return [...ended, ...parseHexLines(out)];
    } catch (e) {
      if (attempt >= SWAP_ATTEMPTS || !/being accessed by other users/.test(describeError(e))) throw e;
      // A refused rename rolled the transaction back; the sessions that attempt ended are not in its lost output.
      await sleep(500 * attempt);
    }
  }
}

/** What the server shows after a failed swap: the oid under the live name, whether the fresh name exists, whether a swap still holds a lock. */
export interface SwapFacts {
  liveOid?: string;
  freshOid?: string;
  locked: boolean;
}

/** 'swapped': the fresh database carries the live name (COMMIT happened); 'not swapped': proven unchanged; 'unknown' otherwise. */
export function swapOutcome(facts: SwapFacts, fresh: { oid: string }): 'swapped' | 'not swapped' | 'unknown' {
  if (facts.locked) return 'unknown';
  if (facts.liveOid === fresh.oid) return 'swapped';
  // The rename of fresh is in the swap's one transaction: fresh still named so, and nothing holding a lock, means it did not commit.
  if (facts.freshOid === fresh.oid) return 'not swapped';
  return 'unknown';
}

/** SQL reading SwapFacts: oid under `live`, oid under `fresh`, and locks held on either database object. */
export function swapFactsSql(live: string, fresh: string, freshOid: string): string {
  const oidOf = (n: string) => `coalesce((SELECT oid::text FROM pg_database WHERE datname = ${pgLiteral(n)}), '')`;
  return `SELECT ${oidOf(live)} || ',' || ${oidOf(fresh)} || ',' || (SELECT count(*) FROM pg_locks WHERE locktype = 'object' AND classid = 'pg_database'::regclass AND objid = ${Number(freshOid)})::text`;
}

/** After a failed swap: waits (bounded) for a swap still in progress to end, then classifies it; 'unknown' when the server cannot be asked. */
export async function settleSwap(run: EngineRunner, conn: DbConnection, admin: string, live: string, fresh: string, freshOid: string): Promise<'swapped' | 'not swapped' | 'unknown'> {
  for (let poll = 1; poll <= SETTLE_POLLS; poll++) {
    let facts: SwapFacts;
    try {
      const [liveOid = '', freshNow = '', locks = '0'] = (await run.run(psql(conn, admin, swapFactsSql(live, fresh, freshOid)), { reason: 'cannot read the state of the swap' })).trim().split(',');
      facts = { liveOid: liveOid || undefined, freshOid: freshNow || undefined, locked: Number(locks) > 0 };
    } catch {
      return 'unknown';
    }
    if (!facts.locked || poll === SETTLE_POLLS) return swapOutcome(facts, { oid: freshOid });
    await sleep(250 * poll);
  }
  return 'unknown';
}

/** The oid of database `name` (to tell it apart later whatever it is called). Throws. */
export async function databaseOid(run: EngineRunner, conn: DbConnection, admin: string, name: string): Promise<string> {
  const oid = (await run.run(psql(conn, admin, `SELECT oid FROM pg_database WHERE datname = ${pgLiteral(name)}`), { reason: `cannot read the oid of ${name}` })).trim();
  if (!/^\d+$/.test(oid)) throw new Error(`no database ${name} after creating it`);
  return oid;
}
