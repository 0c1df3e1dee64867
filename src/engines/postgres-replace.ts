// Replacing a PostgreSQL database by its dump, exact by construction: the dump is restored into a
// fresh database created with the dump's own properties (encoding, locale, owner, grants,
// settings, comment), and only when that succeeded is the fresh database swapped in by two renames
// in one transaction. Objects created since the dump cannot survive (the fresh database never had
// them), no dependency order is chased (nothing is dropped inside a live database), and a failure
// before the swap leaves the live database exactly as it was. A failed swap is classified from the
// server's state afterwards (postgres-swap.ts): done, proven not done, or possibly done.
import { createHash, randomBytes } from 'node:crypto';
import type { DbConnection } from '../config/types.js';
import { describeError } from '../errors.js';
import { parseHexLines, ReplaceError, type EngineRunner, type ReplaceOptions, type ReplaceOutcome } from './engine.js';
import { connArgs, envPrefix, pgIdent, psql, psqlScript } from './postgres-argv.js';
import { databaseOid, settleSwap, swap } from './postgres-swap.js';

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

/** A table name no dump has: selecting it makes pg_restore print only the database-level entries. */
const NO_TABLE = 'pullback-no-such-table-3f1c0a';

/** The database to connect to for CREATE/ALTER/DROP DATABASE of `database` (never itself). */
export function maintenanceDb(database: string): string {
  return database === 'postgres' ? 'template1' : 'postgres';
}

/** argv printing the database-level part of a custom dump as SQL (CREATE DATABASE, owner, ACL, settings, comment). */
export function databasePropertiesArgv(conn: DbConnection, dumpFile: string): string[] {
  return [...envPrefix(conn), 'pg_restore', '--create', '--schema-only', `--table=${NO_TABLE}`, '--file=-', dumpFile];
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
    const props = await run.run(databasePropertiesArgv(conn, dumpFile), { reason: 'cannot read the database properties from the dump' });
    await run.run(psqlScript(conn, admin), { input: databaseLevelSql(props, fresh), reason: `cannot create the fresh database ${fresh} with the dump's properties` });
    freshOid = await databaseOid(run, conn, admin, fresh);
  } catch (e) {
    await opts.cleanup.run(dropArgv(conn, fresh), { reason: `cannot drop ${fresh}` }).catch(() => undefined);
    throw new ReplaceError(describeError(e), false);
  }
  try {
    await run.run([...envPrefix(conn), 'pg_restore', ...connArgs(conn), '--exit-on-error', '--single-transaction', `--dbname=${fresh}`, dumpFile], {
      reason: 'pg_restore into a fresh database failed',
      timeoutMs: opts.timeoutMs,
    });
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
  return { how: exists ? 'restored into a fresh database, then swapped in' : 'created from the dump', warnings, endedSessions };
}
