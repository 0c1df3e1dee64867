// `pullback status`: is every host's and source's backup fresh, and did each host's last job
// succeed? One line per host and per source; exit 0 when nothing is red, 1 otherwise.
import { findStale, freshnessOf } from '../report/freshness-facts.js';
import { createNotifications } from '../notify/dispatch.js';
import { staleEvent } from '../notify/event.js';
import type { CommandSpec } from './spec.js';
import { statusExitCode } from '../report/freshness.js';
import { statusJson, statusText } from '../report/status-format.js';
import { openEnv, selectHosts, type GlobalOptions } from './common.js';
import { recoveryWindows } from '../archive/recovery-windows.js';
import { WINDOW_HEADER, windowJson, windowRows } from '../archive/recovery-window.js';
import { renderTable } from '../util/table.js';

export interface StatusOptions {
  hosts?: string[];
  json?: boolean;
  /** Send a stale event to the configured notifiers for each stale host and source. */
  notify?: boolean;
}

/** Prints the freshness of each host and source; returns 1 when any is red (stale, failed, check overdue). */
export async function statusCommand(g: GlobalOptions, opts: StatusOptions): Promise<number> {
  const env = openEnv(g);
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const now = new Date();
    const verdicts = freshnessOf({ ...env.config, hosts }, env.catalog, now);
    // Point-in-time recovery: each PITR source's recovery window, red past its max_lag or after a gap.
    const windows = recoveryWindows(env.config.global, hosts, env.catalog, now);
    if (opts.json) {
      const json = statusJson(verdicts, now) as { status: string };
      if (windows.some((w) => w.light === 'red')) json.status = 'red';
      else if (json.status === 'green' && windows.some((w) => w.light === 'amber')) json.status = 'amber';
      env.out(JSON.stringify(windows.length > 0 ? { ...json, recovery_windows: windows.map(windowJson) } : json, null, 2));
    } else {
      env.out(statusText(verdicts));
      if (windows.length > 0) {
        env.out(`\nRecovery windows (point-in-time recovery):\n${renderTable(WINDOW_HEADER, windowRows(windows))}`);
        const reasons = windows.flatMap((w) => w.reasons.map((r) => `  ${w.light.toUpperCase()} ${r}`));
        if (reasons.length > 0) env.out(`\nAttention (recovery windows):\n${reasons.join('\n')}`);
      }
    }
    if (opts.notify) {
      // Staleness never needs a run to be noticed: cron (or the daemon's report job) runs `status --notify`.
      const notes = createNotifications(env.config.global.notify, { logger: env.logger, catalog: env.catalog });
      for (const f of findStale({ ...env.config, hosts }, env.catalog, now)) {
        await notes.emit(staleEvent({ host: f.host, source: f.source, offsite: f.offsite, lastSuccess: f.lastSuccess?.toISOString(), ageSeconds: f.ageMs === undefined ? undefined : Math.round(f.ageMs / 1000), maxAgeSeconds: Math.round(f.maxAgeMs / 1000) }));
      }
      await notes.flush();
    }
    return windows.some((w) => w.light === 'red') ? 1 : statusExitCode(verdicts);
  } finally {
    env.close();
  }
}

export const statusSpec: CommandSpec = {
  name: 'status',
  summary: "each host's and source's last successful backup, check and drill against their limits (exit 1 when any is red)",
  usage: 'pullback status [--host NAME]... [--json] [--notify]',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
    json: { type: 'boolean', description: 'print JSON for monitoring systems (status green/amber/red, ages and limits in seconds)' },
    notify: { type: 'boolean', description: 'also send a stale event to the notifiers (notify:) for each host or source past its max_age' },
  },
  handler: (g, v) => statusCommand(g, { hosts: v.host as string[] | undefined, json: !!v.json, notify: !!v.notify }),
};
