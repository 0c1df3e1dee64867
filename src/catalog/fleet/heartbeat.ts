// Each backup host's heartbeat in the fleet catalog: when it was last heard of, the main servers its
// config lists (with their home backup host) and how old its heartbeat and nights may get before it
// counts as missing (the largest max_age of its servers).
import type { Config } from '../../config/types.js';
import { sqlTag, type FleetDb } from './connect.js';

export interface Heartbeat {
  name: string;
  servers: Array<{ name: string; home?: string; maxAgeSeconds: number }>;
  maxAgeSeconds: number;
  pid: number;
  version?: string;
}

/** What this backup host says of itself, from its config. */
export function heartbeatOf(config: Config, version?: string): Heartbeat {
  return {
    name: config.global.backupHost,
    servers: config.hosts.map((h) => ({ name: h.name, ...(h.backupHost ? { home: h.backupHost } : {}), maxAgeSeconds: h.staleAfterSeconds ?? 26 * 3600 })),
    maxAgeSeconds: Math.max(0, ...config.hosts.map((h) => h.staleAfterSeconds ?? 0)) || 26 * 3600,
    pid: process.pid,
    ...(version ? { version } : {}),
  };
}

/** Records the heartbeat (PostgreSQL's clock: backup hosts' clocks are not compared with each other). */
export async function writeHeartbeat(k: FleetDb, h: Heartbeat): Promise<void> {
  const sql = await sqlTag();
  const values = { name: h.name, heartbeat_at: sql`now()`, servers: JSON.stringify(h.servers), max_age_seconds: String(h.maxAgeSeconds), pid: String(h.pid), version: h.version ?? null };
  await k
    .insertInto('backup_hosts')
    .values(values)
    .onConflict((oc) => oc.column('name').doUpdateSet({ heartbeat_at: sql`now()`, servers: values.servers, max_age_seconds: values.max_age_seconds, pid: values.pid, version: values.version }))
    .execute();
}
