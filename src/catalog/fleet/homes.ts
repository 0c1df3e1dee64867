// Main servers' homes as the fleet catalog records them: `pullback fleet takeover` moves a silent
// backup host's servers to another one (server_homes), which then overrides the host files'
// backup_host for every backup host that reaches PostgreSQL. The takeover is written in one
// transaction that checks again, under a lock on the old backup host's row, that its heartbeat is
// stale and that it holds no live lease: a backup host that came back in the meantime keeps its servers.
import { sqlTag, type FleetDb } from './connect.js';

/** Creates server_homes when it is missing (a fleet catalog made before takeovers existed). */
async function ensureHomesTable(k: FleetDb): Promise<void> {
  await k.schema
    .createTable('server_homes')
    .ifNotExists()
    .addColumn('main_server', 'text', (c) => c.primaryKey())
    .addColumn('backup_host', 'text', (c) => c.notNull())
    .addColumn('taken_over_from', 'text')
    .addColumn('assigned_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

/** Every main server's home recorded by a takeover (none recorded: an empty map). */
export async function readHomes(k: FleetDb): Promise<Map<string, string>> {
  const sql = await sqlTag();
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('server_homes')::text AS t`.execute(k);
  if (!exists.rows[0]?.t) return new Map();
  const rows = await k.selectFrom('server_homes').select(['main_server', 'backup_host']).execute();
  return new Map(rows.map((r) => [String(r.main_server), String(r.backup_host)]));
}

/** What a takeover of `backupHost` needs to know from the fleet catalog (undefined: no such backup host). */
export interface SilentHostFacts {
  name: string;
  heartbeatAgeSeconds: number;
  maxAgeSeconds: number;
  /** Its servers: those its last heartbeat listed whose recorded home is not another backup host. */
  servers: string[];
  /** Its leases that have not expired. */
  liveLeases: Array<{ mainServer: string; expiresAt: Date }>;
}

/** Reads `backupHost`'s heartbeat, servers and live leases. */
export async function silentHostFacts(k: FleetDb, backupHost: string): Promise<SilentHostFacts | undefined> {
  const sql = await sqlTag();
  const row = await k
    .selectFrom('backup_hosts')
    .select(['name', 'servers', 'max_age_seconds', sql<number>`extract(epoch from now() - heartbeat_at)`.as('age')])
    .where('name', '=', backupHost)
    .executeTakeFirst();
  if (!row) return undefined;
  const homes = await readHomes(k);
  const leases = await k.selectFrom('leases').select(['main_server', 'expires_at']).where('holder', '=', backupHost).where('expires_at', '>', sql<Date>`now()`).orderBy('main_server').execute();
  return {
    name: backupHost,
    heartbeatAgeSeconds: Math.floor(Number(row.age)),
    maxAgeSeconds: Number(row.max_age_seconds),
    servers: (row.servers as Array<{ name: string }>).map((s) => s.name).filter((s) => (homes.get(s) ?? backupHost) === backupHost),
    liveLeases: leases.map((l) => ({ mainServer: String(l.main_server), expiresAt: new Date(l.expires_at as string) })),
  };
}

/**
 * Records `servers`' home as `to`, taken over from `from`, in one transaction that first locks `from`'s
 * row and checks again that its heartbeat is older than its max_age and that it holds no live lease.
 * Returns why not (nothing written), or undefined when recorded.
 */
export async function recordTakeover(k: FleetDb, from: string, to: string, servers: string[]): Promise<string | undefined> {
  const sql = await sqlTag();
  await ensureHomesTable(k);
  return k.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('backup_hosts')
      .select([sql<boolean>`heartbeat_at > now() - make_interval(secs => max_age_seconds)`.as('fresh')])
      .where('name', '=', from)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return `backup host ${from} is not in the fleet catalog`;
    if (row.fresh) return `backup host ${from} sent a heartbeat in the meantime: it is alive, nothing was taken over`;
    const live = await tx.selectFrom('leases').select(['main_server']).where('holder', '=', from).where('expires_at', '>', sql<Date>`now()`).execute();
    if (live.length > 0) return `backup host ${from} took the lease on ${live.map((l) => String(l.main_server)).join(', ')} in the meantime: nothing was taken over`;
    for (const s of servers) {
      await tx
        .insertInto('server_homes')
        .values({ main_server: s, backup_host: to, taken_over_from: from, assigned_at: sql`now()` })
        .onConflict((oc) => oc.column('main_server').doUpdateSet({ backup_host: to, taken_over_from: from, assigned_at: sql`now()` }))
        .execute();
    }
    return undefined;
  });
}
