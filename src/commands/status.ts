// `pullback status`: is every host's and source's backup fresh, and did each host's last job
// succeed? One line per host and per source; exit 0 when nothing is red, 1 otherwise.
import { findStale, freshnessOf } from '../report/freshness-facts.js';
import { createNotifications } from '../notify/dispatch.js';
import { recoveredEvent, staleEvent } from '../notify/event.js';
import type { CommandSpec } from './spec.js';
import { statusExitCode } from '../report/freshness.js';
import { statusJson, statusText } from '../report/status-format.js';
import { openEnv, selectHosts, type CommandEnv, type GlobalOptions } from './common.js';
import type { HostConfig } from '../config/types.js';
import { planStaleNotices, rowAfter } from '../notify/stale-plan.js';
import { readNotifyStates, writeNotifyState } from '../notify/stale-state.js';
import { recoveryWindows } from '../archive/recovery-windows.js';
import { WINDOW_HEADER, windowRows } from '../archive/recovery-window.js';
import { renderTable } from '../util/table.js';
import { fleetJson, fleetText } from '../report/fleet-status.js';
import { fleetRed, fleetVerdicts } from './fleet-view.js';

export interface StatusOptions {
  hosts?: string[];
  json?: boolean;
  /** Send a stale event to the configured notifiers for each stale host and source. */
  notify?: boolean;
}

/** Prints the freshness of each host and source; returns 1 when any is red (stale, failed, check overdue). */
export async function statusCommand(g: GlobalOptions, opts: StatusOptions): Promise<number> {
  // status --notify is a job (cron runs it hourly): quiet without a terminal. Plain status prints its table.
  const env = openEnv(g, { job: opts.notify === true });
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const now = new Date();
    const verdicts = freshnessOf({ ...env.config, hosts }, env.catalog, now);
    // Point-in-time recovery: each PITR source's recovery window, red past its max_lag or after a gap.
    const windows = recoveryWindows(env.config.global, hosts, env.catalog, now);
    const fleet = await fleetVerdicts(env);
    if (env.quiet && !opts.json) {
      // Cron mode: the table is not printed; what was sent (below) is.
    } else if (opts.json) {
      const doc = statusJson(verdicts, windows, now) as Record<string, unknown>;
      // A red backup host or server of the fleet makes the whole status red, as it makes the exit code 1.
      env.out(JSON.stringify(env.fleet ? { ...doc, ...(fleetRed(fleet) ? { status: 'red' } : {}), fleet: fleet ? fleetJson(fleet) : null } : doc, null, 2));
    } else {
      env.out(statusText(verdicts));
      if (windows.length > 0) {
        env.out(`\nRecovery windows (point-in-time recovery):\n${renderTable(WINDOW_HEADER, windowRows(windows))}`);
        const reasons = windows.flatMap((w) => w.reasons.map((r) => `  ${w.light.toUpperCase()} ${r}`));
        if (reasons.length > 0) env.out(`\nAttention (recovery windows):\n${reasons.join('\n')}`);
      }
      if (env.fleet) env.out(fleet ? fleetText(fleet, env.fleet.url) : `\nFleet (${env.fleet.url}): unreachable, this backup host's own servers only (above)`);
    }
    if (opts.notify) {
      // Staleness never needs a run to be noticed: cron (or the daemon's report job) runs `status --notify`.
      const told = await notifyStale(env, hosts, now);
      if (env.quiet && told.length > 0) process.stderr.write(`${told.join('\n')}\n`);
    }
    if (fleetRed(fleet)) return 1;
    return windows.some((w) => w.light === 'red') ? 1 : statusExitCode(verdicts);
  } finally {
    env.close();
  }
}

/**
 * Sends what changed since the last status --notify (stale, recovered) and the reminders due; records
 * what was delivered. Returns the lines cron mode prints: each event sent, each delivery given up.
 */
async function notifyStale(env: CommandEnv, hosts: HostConfig[], now: Date): Promise<string[]> {
  const { global } = env.config;
  const notes = createNotifications(global.notify, { logger: env.logger, catalog: env.catalog });
  const known = new Map(hosts.map((h) => [h.name, h]));
  const plan = planStaleNotices({
    stale: findStale({ ...env.config, hosts }, env.catalog, now),
    rows: readNotifyStates(env.catalog.db),
    hosts: new Set(known.keys()),
    configured: (k) => {
      const h = known.get(k.host);
      if (!h) return false;
      if (k.offsite !== undefined) return global.offsite.some((t) => t.name === k.offsite);
      return k.source === undefined || h.sources.some((s) => s.name === k.source);
    },
    now,
    remindSeconds: global.notifyRemindSeconds,
  });
  for (const key of plan.drop) writeNotifyState(env.catalog.db, key, undefined);
  const lines: string[] = [];
  for (const n of plan.send) {
    const f = n.finding;
    const event = f
      ? staleEvent({ host: f.host, source: f.source, offsite: f.offsite, lastSuccess: f.lastSuccess?.toISOString(), ageSeconds: f.ageMs === undefined ? undefined : Math.round(f.ageMs / 1000), maxAgeSeconds: Math.round(f.maxAgeMs / 1000), reminder: n.kind === 'reminder' })
      : recoveredEvent({ host: n.before!.host, source: n.before!.source, offsite: n.before!.offsite, staleSince: n.before!.since });
    const delivered = await notes.emit(event);
    writeNotifyState(env.catalog.db, n.key, rowAfter(n, delivered, now));
    env.logger.info({ key: n.key, notice: n.kind, delivered }, `status --notify: ${event.title}`);
    lines.push(event.title);
  }
  await notes.flush();
  return [...lines, ...notes.failures()];
}

export const statusSpec: CommandSpec = {
  name: 'status',
  summary: "each host's and source's last successful backup, check and drill against their limits (exit 1 when any is red)",
  usage: 'pullback status [--host NAME]... [--json] [--notify]',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
    json: { type: 'boolean', description: 'print JSON for monitoring systems (status green/amber/red, ages and limits in seconds)' },
    notify: { type: 'boolean', description: 'also tell the notifiers (notify:) of each host or source that became stale (past its max_age) or recovered since the last status --notify, and remind them of what stays stale every notify_remind' },
  },
  handler: (g, v) => statusCommand(g, { hosts: v.host as string[] | undefined, json: !!v.json, notify: !!v.notify }),
};
