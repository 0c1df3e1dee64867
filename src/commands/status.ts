// `pullback status`: is every host's and source's backup fresh, and did each host's last job
// succeed? One line per host and per source; exit 0 when nothing is red, 1 otherwise.
import { freshnessOf } from '../actions/freshness.js';
import { registerCommand } from '../cli/registry.js';
import { statusExitCode } from '../plan/freshness.js';
import { statusJson, statusText } from '../plan/status-format.js';
import { openEnv, selectHosts, type GlobalOptions } from './common.js';

export interface StatusOptions {
  hosts?: string[];
  json?: boolean;
}

/** Prints the freshness of each host and source; returns 1 when any is red (stale, failed, check overdue). */
export async function statusCommand(g: GlobalOptions, opts: StatusOptions): Promise<number> {
  const env = openEnv(g);
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const now = new Date();
    const verdicts = freshnessOf({ ...env.config, hosts }, env.catalog, now);
    env.out(opts.json ? JSON.stringify(statusJson(verdicts, now), null, 2) : statusText(verdicts));
    return statusExitCode(verdicts);
  } finally {
    env.close();
  }
}

registerCommand({
  name: 'status',
  summary: "each host's and source's last successful backup, check and drill against their limits (exit 1 when any is red)",
  usage: 'pullback status [--host NAME]... [--json]',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
    json: { type: 'boolean', description: 'print JSON for monitoring systems (status green/amber/red, ages and limits in seconds)' },
  },
  handler: (g, v) => statusCommand(g, { hosts: v.host as string[] | undefined, json: !!v.json }),
});
