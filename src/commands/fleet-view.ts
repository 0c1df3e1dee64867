// The whole fleet, for status and report: read from the PostgreSQL catalog after this backup host
// pushed its own records and heartbeat, and judged (report/fleet-status.ts).
import { readFleet } from '../catalog/fleet/fleet-read.js';
import { judgeFleet, type FleetVerdicts } from '../report/fleet-status.js';
import type { CommandEnv } from './common.js';

/** The fleet's verdicts; undefined without a fleet catalog or when it is unreachable (warned once, by the link). */
export async function fleetVerdicts(env: CommandEnv): Promise<FleetVerdicts | undefined> {
  if (!env.fleet) return undefined;
  if (!(await env.fleet.syncSoon(env.catalog.db))) return undefined;
  try {
    return judgeFleet(await readFleet(await env.fleet.db()));
  } catch (e) {
    env.fleet.unreachable(e);
    return undefined;
  }
}

/** Whether any backup host or main server of the fleet is red. */
export function fleetRed(fleet: FleetVerdicts | undefined): boolean {
  return fleet !== undefined && [...fleet.backupHosts, ...fleet.servers].some((x) => x.light === 'red');
}
