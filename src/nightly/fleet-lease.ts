// A main server's night under its lease in the fleet catalog (catalog/fleet/leases.ts): taken before
// the host's lock and pull, renewed every minute while rsync and borg run, given back at the end. A
// server leased to another backup host is skipped (not failed: it is being backed up there), naming the
// holder and the lease's expiry. A server whose home is another backup host is not run here: its home is
// the fleet catalog's (a takeover, server_homes) when PostgreSQL answers, else its host file's
// backup_host; a server with no home runs on any backup host listing it, under the lease. Without
// PostgreSQL, only this backup host's own servers run: those whose host file names it as backup_host,
// or names none (docs/fleet.md, "Leases" and "Takeover").
import type { Logger } from 'pino';
import type { HostConfig } from '../config/types.js';
import type { FleetLink } from '../catalog/fleet/link.js';
import { acquireLease, releaseLease, renewLease } from '../catalog/fleet/leases.js';
import type { HostRunResult } from './runner.js';

/** How long a lease lasts without renewal: a backup host killed mid-night frees its servers after this. */
export const LEASE_TTL_SECONDS = 600;
const RENEW_EVERY_MS = 60_000;

export interface LeaseOptions {
  fleet: FleetLink | undefined;
  /** Whether the fleet catalog answered at the start of this run. */
  reachable: boolean;
  host: HostConfig;
  logger: Logger;
  /** The server's home as the fleet catalog records it (a takeover); undefined: its host file's. */
  assignedHome?: string;
}

function skipped(host: string, why: string): HostRunResult {
  return { host, status: 'skipped', bytes: 0, files: 0, durationMs: 0, problems: [why], checks: [] };
}

/** Runs `night` holding the lease on the host, or returns why it did not start (status skipped). */
export async function withServerLease(o: LeaseOptions, night: () => Promise<HostRunResult>): Promise<HostRunResult> {
  const { fleet, host, logger } = o;
  if (!fleet) return night();
  const me = fleet.backupHost;
  const notMine = host.backupHost !== undefined && host.backupHost !== me;
  if (o.reachable) {
    const home = o.assignedHome ?? host.backupHost;
    const taken = o.assignedHome !== undefined && o.assignedHome !== host.backupHost ? ' (the fleet catalog records a takeover)' : '';
    if (home !== undefined && home !== me) return skipped(host.name, `${host.name}'s home is backup host ${home}${taken}: not run here`);
  }
  if (!o.reachable) {
    if (notMine) return skipped(host.name, `the fleet catalog is unreachable and ${host.name}'s home is backup host ${host.backupHost}: without a lease only this backup host's own servers run`);
    logger.info(`the fleet catalog is unreachable: backing up ${host.name} (its home is this backup host) without a lease`);
    return night();
  }
  const attempt = await fleet
    .db()
    .then((k) => acquireLease(k, host.name, me, LEASE_TTL_SECONDS))
    .catch((e: unknown) => e as Error);
  if (attempt instanceof Error) {
    fleet.unreachable(attempt);
    return withServerLease({ ...o, reachable: false }, night);
  }
  if (!attempt.ok) {
    logger.warn({ holder: attempt.holder, expiresAt: attempt.expiresAt.toISOString() }, attempt.message);
    return skipped(host.name, attempt.message);
  }
  const { token } = attempt.lease;
  const k = await fleet.db();
  logger.info({ token }, `lease on ${host.name} taken (token ${token})`);
  let lost = false;
  const timer = setInterval(() => {
    renewLease(k, host.name, token, LEASE_TTL_SECONDS)
      .then((held) => {
        if (!held && !lost) {
          lost = true;
          logger.error(`the lease on ${host.name} (token ${token}) expired or was taken over by another backup host during the night`);
        }
      })
      .catch((e: unknown) => logger.warn({ err: e }, `could not renew the lease on ${host.name}: it expires ${LEASE_TTL_SECONDS} s after its last renewal`));
  }, RENEW_EVERY_MS);
  timer.unref();
  try {
    const r = await night();
    if (!lost) return r;
    return { ...r, status: r.status === 'ok' ? 'warning' : r.status, problems: [...r.problems, `the lease on ${host.name} (token ${token}) was lost during the night: another backup host may have started it`] };
  } finally {
    clearInterval(timer);
    await releaseLease(k, host.name, token).catch((e: unknown) => logger.debug({ err: e }, `could not release the lease on ${host.name}: it expires by itself`));
  }
}
