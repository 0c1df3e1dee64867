// pullback offsite verify [--host NAME]... [--target NAME]: re-checks the off-site copies without
// copying, records each result, and prints one line per host and target. Exit 1 when any failed.
import { verifyTarget } from '../offsite/verify.js';
import { findTarget } from '../offsite/targets.js';
import { UsageError } from '../errors.js';
import { writeMetricsAfterJob } from '../report/metrics-write.js';
import { renderTable } from '../util/table.js';
import { commandGroup, type Subcommand } from './group.js';
import { interruptSignal, openEnv, selectHosts, type GlobalOptions } from './common.js';

/** Verifies every selected host's copy on every (or the named) target; returns the exit code. */
export async function offsiteVerifyCommand(g: GlobalOptions, o: { hosts?: string[]; target?: string }): Promise<number> {
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  try {
    const global = env.config.global;
    const hosts = selectHosts(env.config, o.hosts);
    const targets = o.target ? [findTarget(global, o.target)] : global.offsite;
    if (targets.length === 0) throw new UsageError(`no off-site targets in ${global.file}: add an offsite: list (docs/offsite.md)`);
    const runId = env.catalog.startRun('offsite-verify', { hosts: hosts.map((h) => h.name), targets: targets.map((t) => t.name) });
    const rows: string[][] = [];
    let failed = false;
    for (const host of hosts) {
      for (const t of targets) {
        if (interrupt.signal.aborted) break;
        const rec = await verifyTarget(global, env.catalog, runId, t, host.name, env.logger.child({ runId, host: host.name, target: t.name }), interrupt.signal);
        if (rec.status !== 'ok') failed = true;
        rows.push([host.name, t.name, rec.status.toUpperCase(), rec.checkDetail ?? '-', rec.error ?? '']);
      }
    }
    if (interrupt.signal.aborted) env.catalog.interruptRun(runId);
    else env.catalog.finishRun(runId, failed ? 'failed' : 'ok');
    env.out(renderTable(['HOST', 'TARGET', 'VERIFY', 'CHECK', 'PROBLEM'], rows));
    await writeMetricsAfterJob(env);
    return failed || interrupt.signal.aborted ? 1 : 0;
  } finally {
    interrupt.dispose();
    env.close();
  }
}

const verifySubcommand: Subcommand = {
  name: 'verify',
  usage: 'pullback offsite verify [--host NAME]... [--target NAME]',
  summary: 're-check the off-site copies without copying (rclone check against the local repository; borg check of the remote one) and record the result',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host)' },
    target: { type: 'string', value: 'NAME', description: 'only this off-site target (default: every one)' },
  },
  run: async (g, v, args) => {
    if (args.length > 0) throw new UsageError(`pullback offsite verify takes no arguments (got ${args.join(' ')})`);
    return offsiteVerifyCommand(g, { hosts: v.host as string[] | undefined, target: v.target as string | undefined });
  },
};

export const offsiteSpec = commandGroup('offsite', 'off-site copies: verify re-checks them without copying', [verifySubcommand]);
