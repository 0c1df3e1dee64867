// The connection to the fleet's PostgreSQL catalog: Kysely over a small pg pool. The password is read
// from its file and handed to pg in memory (never argv, never the URL, never a log line). Kysely and pg
// are loaded when a fleet catalog is used, never at start-up (test/unit/cli/lazy-deps.test.ts).
import { readFileSync } from 'node:fs';
import type { Kysely, Sql } from 'kysely';
import type { FleetCatalogConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';

/** The PostgreSQL side is schemaless to TypeScript: its tables are derived from the SQLite catalog at run time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FleetDb = Kysely<any>;

/** How long a connection attempt may take before PostgreSQL counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long one statement may take (a push of a large catalog is many statements, each small). */
const STATEMENT_TIMEOUT_MS = 120_000;

/** The URL with its user, host and database but never a password (for messages and logs). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(an unreadable URL)';
  }
}

/** Reads the password file's first line; undefined without a file. Throws UsageError when it cannot be read. */
function readPassword(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').split('\n')[0]!.replace(/\r$/, '');
  } catch (e) {
    throw new UsageError(`cannot read the catalog's password file ${file}: ${(e as Error).message}`);
  }
}

/** Kysely's sql template tag, loaded on first use. */
export async function sqlTag(): Promise<Sql> {
  return (await import('kysely')).sql;
}

/** A Kysely handle on the fleet catalog (nothing connects before the first query). Throws UsageError on a bad URL or an unreadable password file. */
export async function openFleetDb(cfg: FleetCatalogConfig): Promise<FleetDb> {
  let u: URL;
  try {
    u = new URL(cfg.url);
  } catch {
    throw new UsageError(`catalog URL ${describeUrl(cfg.url)} is not a postgres:// URL`);
  }
  if (u.password) throw new UsageError('the catalog URL carries a password: put it in catalog.password_file (or --password-file) instead');
  const password = readPassword(cfg.passwordFile);
  const [{ Kysely, PostgresDialect }, { default: pg }] = await Promise.all([import('kysely'), import('pg')]);
  const pool = new pg.Pool({
    host: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    ...(password !== undefined ? { password } : {}),
    max: 2,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 1000,
    // A PostgreSQL that accepts connections but never answers must not hold a command for ever.
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 10_000,
    allowExitOnIdle: true,
    application_name: 'pullback',
  });
  // A connection dropped while idle must not crash the process: the next query reports it.
  pool.on('error', () => {});
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}
