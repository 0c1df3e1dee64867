// Leases on main servers in the fleet catalog: one backup host at a time backs a main server up.
// A lease is (main_server, holder, token, expires_at); tokens come from one sequence, so a later lease
// always carries a larger token (a fencing token: a write carrying a superseded or expired one is refused).
import { sqlTag, type FleetDb } from './connect.js';

export interface Lease {
  mainServer: string;
  holder: string;
  token: string;
  expiresAt: Date;
}

export type LeaseAttempt = { ok: true; lease: Lease } | { ok: false; holder: string; expiresAt: Date; message: string };

/** Thrown by fencedWrite when the token no longer holds the lease. */
export class LeaseLostError extends Error {}

/**
 * Takes the lease on `mainServer` for `holder` for `ttlSeconds`: granted when nobody holds it, when
 * the lease expired, or when `holder` already holds it (a new token then supersedes the old one).
 * One statement, so two backup hosts racing for it get one lease and one refusal naming the holder.
 */
export async function acquireLease(k: FleetDb, mainServer: string, holder: string, ttlSeconds: number): Promise<LeaseAttempt> {
  const sql = await sqlTag();
  const ttl = sql`make_interval(secs => ${ttlSeconds})`;
  const got = await k
    .insertInto('leases')
    .values({ main_server: mainServer, holder, token: sql`nextval('lease_tokens')`, acquired_at: sql`now()`, expires_at: sql`now() + ${ttl}` })
    .onConflict((oc) =>
      oc
        .column('main_server')
        .doUpdateSet({ holder: sql`excluded.holder`, token: sql`excluded.token`, acquired_at: sql`excluded.acquired_at`, expires_at: sql`excluded.expires_at` })
        .where((eb) => eb.or([eb('leases.expires_at', '<', sql<Date>`now()`), eb('leases.holder', '=', holder)])),
    )
    .returning(['token', 'expires_at'])
    .executeTakeFirst();
  if (got) return { ok: true, lease: { mainServer, holder, token: String(got.token), expiresAt: new Date(got.expires_at as string) } };
  const other = await k.selectFrom('leases').select(['holder', 'expires_at']).where('main_server', '=', mainServer).executeTakeFirst();
  // Released between the two statements: try once more.
  if (!other) return acquireLease(k, mainServer, holder, ttlSeconds);
  const expiresAt = new Date(other.expires_at as string);
  return {
    ok: false,
    holder: String(other.holder),
    expiresAt,
    message: `${mainServer} is leased to backup host ${String(other.holder)} until ${expiresAt.toISOString()}: it is backing ${mainServer} up (or was, and its lease runs out then); not started here`,
  };
}

/**
 * Runs `write` in a transaction only while `token` still holds the lease on `mainServer` (the row is
 * locked meanwhile, so it cannot be taken over in the middle). Throws LeaseLostError otherwise.
 */
export async function fencedWrite<T>(k: FleetDb, mainServer: string, token: string, write: (tx: FleetDb) => Promise<T>): Promise<T> {
  const sql = await sqlTag();
  return k.transaction().execute(async (tx) => {
    const held = await tx
      .selectFrom('leases')
      .select(['holder'])
      .where('main_server', '=', mainServer)
      .where('token', '=', token)
      .where('expires_at', '>', sql<Date>`now()`)
      .forUpdate()
      .executeTakeFirst();
    if (!held) throw new LeaseLostError(`the lease on ${mainServer} with token ${token} expired or was taken over: write refused`);
    return write(tx);
  });
}

/** Extends the lease by `ttlSeconds` from now; false when `token` no longer holds it (expired or superseded). */
export async function renewLease(k: FleetDb, mainServer: string, token: string, ttlSeconds: number): Promise<boolean> {
  const sql = await sqlTag();
  try {
    await fencedWrite(k, mainServer, token, (tx) => tx.updateTable('leases').set({ expires_at: sql`now() + make_interval(secs => ${ttlSeconds})` }).where('main_server', '=', mainServer).execute());
    return true;
  } catch (e) {
    if (e instanceof LeaseLostError) return false;
    throw e;
  }
}

/** Gives the lease back (only if `token` still holds it). */
export async function releaseLease(k: FleetDb, mainServer: string, token: string): Promise<void> {
  await k.deleteFrom('leases').where('main_server', '=', mainServer).where('token', '=', token).execute();
}
