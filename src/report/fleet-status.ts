// The fleet's part of `pullback status` (a PostgreSQL catalog): every main server of every backup host
// with its backup host and last backup, and each backup host's health. A backup host whose heartbeat
// or last night is older than the largest max_age of its servers is red, and its servers are named as
// unprotected. Pure: the view is read by catalog/fleet/fleet-read.ts.
import type { FleetView } from '../catalog/fleet/fleet-read.js';
import { renderTable } from '../util/table.js';
import { age } from './freshness.js';

export type Light = 'green' | 'red';

export interface BackupHostVerdict {
  name: string;
  light: Light;
  heartbeatAgeMs: number;
  lastNightAgeMs?: number;
  reason?: string;
  servers: string[];
}

export interface ServerVerdict {
  host: string;
  backupHost: string;
  home?: string;
  light: Light;
  lastOkAt?: Date;
  lastStatus?: string;
  reason?: string;
}

export interface FleetVerdicts {
  backupHosts: BackupHostVerdict[];
  servers: ServerVerdict[];
}

/** Judges every backup host and main server of the view. */
export function judgeFleet(view: FleetView): FleetVerdicts {
  const now = view.now.getTime();
  const backupHosts = view.backupHosts.map((b): BackupHostVerdict => {
    const limit = b.maxAgeSeconds * 1000;
    const heartbeatAgeMs = now - b.heartbeatAt.getTime();
    const lastNightAgeMs = b.lastNightAt ? now - b.lastNightAt.getTime() : undefined;
    let reason: string | undefined;
    if (heartbeatAgeMs > limit) reason = `backup host ${b.name} not heard of for ${age(heartbeatAgeMs)} (max ${age(limit)})`;
    else if (b.servers.length > 0 && lastNightAgeMs !== undefined && lastNightAgeMs > limit) reason = `backup host ${b.name} missed its night: its last run ended ${age(lastNightAgeMs)} ago (max ${age(limit)})`;
    const servers = b.servers.map((s) => s.name);
    if (reason && servers.length > 0) reason += `; unprotected: ${servers.join(', ')}`;
    return { name: b.name, light: reason ? 'red' : 'green', heartbeatAgeMs, ...(lastNightAgeMs !== undefined ? { lastNightAgeMs } : {}), ...(reason ? { reason } : {}), servers };
  });
  const hostLight = new Map(backupHosts.map((b) => [b.name, b]));
  const nightOf = new Map(view.nights.map((n) => [`${n.backupHost}\u0000${n.host}`, n]));
  const servers = view.backupHosts.flatMap((b) =>
    b.servers.map((s): ServerVerdict => {
      const night = nightOf.get(`${b.name}\u0000${s.name}`);
      const bh = hostLight.get(b.name)!;
      let reason: string | undefined;
      if (bh.light === 'red') reason = `${s.name} unprotected: its backup host ${b.name} is red`;
      else if (!night?.lastOkAt) reason = `${s.name} (backup host ${b.name}) never backed up`;
      else if (now - night.lastOkAt.getTime() > s.maxAgeSeconds * 1000) reason = `${s.name} (backup host ${b.name}): last backup ${age(now - night.lastOkAt.getTime())} ago (max ${age(s.maxAgeSeconds * 1000)})`;
      return { host: s.name, backupHost: b.name, ...(s.home ? { home: s.home } : {}), light: reason ? 'red' : 'green', ...(night?.lastOkAt ? { lastOkAt: night.lastOkAt } : {}), ...(night?.lastStatus ? { lastStatus: night.lastStatus } : {}), ...(reason ? { reason } : {}) };
    }),
  ).sort((a, b) => a.host.localeCompare(b.host) || a.backupHost.localeCompare(b.backupHost));
  return { backupHosts, servers };
}

const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : 'never');

/** The fleet's tables and the reason of every red line. */
export function fleetText(v: FleetVerdicts, url: string): string {
  const servers = renderTable(
    ['HOST', 'BACKUP HOST', 'HOME', 'BACKUP', 'LAST SUCCESS', 'LAST NIGHT'],
    v.servers.map((s) => [s.host, s.backupHost, s.home ?? '-', s.light.toUpperCase(), iso(s.lastOkAt), s.lastStatus ?? '-']),
  );
  const hosts = renderTable(
    ['BACKUP HOST', 'STATE', 'HEARTBEAT', 'LAST NIGHT', 'SERVERS'],
    v.backupHosts.map((b) => [b.name, b.light.toUpperCase(), `${age(b.heartbeatAgeMs)} ago`, b.lastNightAgeMs === undefined ? 'never' : `${age(b.lastNightAgeMs)} ago`, String(b.servers.length)]),
  );
  const reasons = [...v.backupHosts, ...v.servers].filter((x) => x.reason && !(('backupHost' in x) && v.backupHosts.some((b) => b.name === x.backupHost && b.light === 'red'))).map((x) => `  RED ${x.reason}`);
  return `\nFleet (${url}):\n${servers}\n\n${hosts}${reasons.length > 0 ? `\n\nAttention (fleet):\n${reasons.join('\n')}` : ''}`;
}

/** The fleet as JSON, for status --json. */
export function fleetJson(v: FleetVerdicts): unknown {
  return {
    backup_hosts: v.backupHosts.map((b) => ({ name: b.name, status: b.light, heartbeat_age_seconds: Math.round(b.heartbeatAgeMs / 1000), last_night_age_seconds: b.lastNightAgeMs === undefined ? null : Math.round(b.lastNightAgeMs / 1000), servers: b.servers, reason: b.reason ?? null })),
    servers: v.servers.map((s) => ({ host: s.host, backup_host: s.backupHost, home: s.home ?? null, status: s.light, last_success: s.lastOkAt?.toISOString() ?? null, last_status: s.lastStatus ?? null, reason: s.reason ?? null })),
  };
}
