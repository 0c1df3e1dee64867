// The swap of a PostgreSQL replace: the live database renamed away and the fresh one renamed in,
// in one transaction that first ends the sessions on the live database (they are reported). When
// the swap fails, whether its COMMIT happened is decided from what the server shows afterwards,
// never assumed: a connection that died after COMMIT was sent may still have committed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DbConnection } from '../config/types.js';
import { describeError } from '../errors.js';
import { parseHexLines, type EngineRunner } from './engine.js';
import { pgIdent, pgLiteral, psql, psqlScript } from './postgres-argv.js';

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
