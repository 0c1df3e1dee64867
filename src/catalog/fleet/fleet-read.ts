// What `pullback status` reads of the whole fleet from the PostgreSQL catalog: every backup host's
// heartbeat and servers, its last night, and each main server's last nightly backup per backup host.
import { sqlTag, type FleetDb } from './connect.js';
import { readHomes } from './homes.js';

export interface FleetBackupHost {
  name: string;
  heartbeatAt: Date;
  maxAgeSeconds: number;
  servers: Array<{ name: string; home?: string; maxAgeSeconds: number }>;
  /** When its last `pullback run` ended (any outcome); undefined when it never ran one. */
  lastNightAt?: Date;
}

export interface FleetServerNight {
  backupHost: string;
  host: string;
  /** The end of its last successful nightly backup (ok or warning, with an archive borg still lists). */
  lastOkAt?: Date;
  /** Its last nightly's status. */
  lastStatus?: string;
}

export interface FleetView {
  /** PostgreSQL's clock, which every heartbeat was written with. */
  now: Date;
  backupHosts: FleetBackupHost[];
  nights: FleetServerNight[];
}

const date = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(v as string));

/** Reads the fleet (rejects when PostgreSQL is unreachable or holds no fleet yet). */
export async function readFleet(k: FleetDb): Promise<FleetView> {
  const sql = await sqlTag();
  const now = (await sql<{ now: Date }>`SELECT now() AS now`.execute(k)).rows[0]!.now;
  const hosts = await k.selectFrom('backup_hosts').select(['name', 'heartbeat_at', 'max_age_seconds', 'servers']).orderBy('name').execute();
  const lastNights = await k
    .selectFrom('runs')
    .select(['backup_host', (eb) => eb.fn.max('ended_at').as('ended_at')])
    .where('kind', '=', 'run')
    .groupBy('backup_host')
    .execute();
  const nightBy = new Map(lastNights.map((r) => [String(r.backup_host), date(r.ended_at)]));
  // The same answers as the local catalog's (Catalog.lastNightly, lastRunFigures' order): a night whose
  // archive borg no longer lists is no success, and of two host results started in the same
  // millisecond the later recorded is the last (test/harness/both-engines.ts compares them).
  const nights = await sql<{ backup_host: string; host: string; last_ok: string | null; last_status: string | null }>`
    SELECT h.backup_host, h.host,
           max(h.ended_at) FILTER (WHERE h.status IN ('ok', 'warning') AND h.archive IS NOT NULL AND v.name IS NULL) AS last_ok,
           (array_agg(h.status ORDER BY h.started_at DESC, h.id DESC))[1] AS last_status
      FROM host_results h JOIN runs r ON r.backup_host = h.backup_host AND r.id = h.run_id
      LEFT JOIN (SELECT DISTINCT backup_host, host, name FROM archives WHERE vanished_at IS NOT NULL) v
             ON v.backup_host = h.backup_host AND v.host = h.host AND v.name = h.archive
     WHERE r.kind = 'run'
     GROUP BY h.backup_host, h.host`.execute(k);
  // A server taken over (server_homes) belongs to its new home only: the backup host it was taken
  // from no longer answers for it, though its last heartbeat still lists it.
  const homes = await readHomes(k);
  const served = (b: string, servers: FleetBackupHost['servers']) =>
    servers.filter((s) => !homes.has(s.name) || homes.get(s.name) === b).map((s) => (homes.has(s.name) ? { ...s, home: homes.get(s.name)! } : s));
  return {
    now,
    backupHosts: hosts.map((h) => ({
      name: String(h.name),
      heartbeatAt: new Date(h.heartbeat_at as string),
      maxAgeSeconds: Number(h.max_age_seconds),
      servers: served(String(h.name), h.servers as FleetBackupHost['servers']),
      ...(nightBy.get(String(h.name)) ? { lastNightAt: nightBy.get(String(h.name))! } : {}),
    })),
    nights: nights.rows.map((r) => ({ backupHost: r.backup_host, host: r.host, ...(r.last_ok !== null ? { lastOkAt: new Date(r.last_ok) } : {}), ...(r.last_status !== null ? { lastStatus: r.last_status } : {}) })),
  };
}
