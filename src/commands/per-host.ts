// Running one maintenance job over the selected hosts: each host's work recorded in the catalog,
// one table, the metrics, exit 1 when any host failed. Used by check, check --repair and prune.
import type { Status } from '../catalog/catalog.js';
import type { HostConfig } from '../config/types.js';
import type { HostContext, StepOutcome } from '../job/context.js';
import { assertPreflight } from '../job/preflight.js';
import { writeMetricsAfterJob } from '../report/metrics-write.js';
import { renderTable } from '../util/table.js';
import { logFileOf, quietLines, type QuietHost } from './quiet-lines.js';
import { interruptSignal, openEnv, selectHosts, type CommandEnv, type GlobalOptions } from './common.js';

export interface MaintainOptions {
  hosts?: string[];
  verifyData?: boolean;
  /** `check --repair`: borg check --repair, then a whole check that proves it. */
  repair?: boolean;
  /** Confirmed on the command line (scripts): no question asked. */
  yes?: boolean;
}

export type Work = (ctx: HostContext) => Promise<Array<StepOutcome<unknown>>>;
/** Lines printed after the table for one host's outcomes (prune: the archives it deleted). */
export type Report = (host: string, outcomes: Array<StepOutcome<unknown>>) => string[];
/** Runs before any host's work (after the preflight); an exit code stops the command there (nothing done). */
export type Prelude = (env: CommandEnv, hosts: HostConfig[]) => Promise<number | undefined>;

/** Runs `work` for each selected host as one recorded job of `kind`: a table, metrics, exit 1 when any host failed. */
export async function perHost(g: GlobalOptions, kind: string, opts: MaintainOptions, work: Work, report?: Report, prelude?: Prelude): Promise<number> {
  const env = openEnv(g, { repositories: true, job: true });
  const interrupt = interruptSignal(env.logger);
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    assertPreflight(env.config.global, { borg: true, ssh: false });
    const stop = await prelude?.(env, hosts);
    if (stop !== undefined) return stop;
    const runId = env.catalog.startRun(kind, { hosts: hosts.map((h) => h.name), verifyData: opts.verifyData });
    const rows: string[][] = [];
    const after: string[] = [];
    const outcomesOf: QuietHost[] = [];
    let failed = false;
    for (const host of hosts) {
      const hostId = env.catalog.startHost(runId, host.name);
      const ctx = { global: env.config.global, host, catalog: env.catalog, runId, logger: env.logger.child({ runId, host: host.name }), signal: interrupt.signal };
      const outcomes = await work(ctx);
      const status = worstOf(outcomes);
      // The outcome that explains the status (the failure, else a warning or why it was skipped).
      const why = outcomes.find((o) => o.status === status)?.error;
      failed ||= status === 'failed' || status === 'interrupted';
      env.catalog.finishHost(hostId, status, undefined, why);
      rows.push([host.name, status.toUpperCase(), why ?? report?.(host.name, outcomes)[0] ?? '']);
      outcomesOf.push({ host: host.name, status, problems: why ? [why] : [] });
      after.push(...(report?.(host.name, outcomes).slice(1) ?? []));
    }
    env.catalog.finishRun(runId, failed ? 'failed' : 'ok');
    await writeMetricsAfterJob(env);
    if (env.quiet) {
      // Cron mode: nothing when every host went well; else the hosts that did not, and what follows
      // the table (a damage report says what to do next).
      const lines = quietLines({ command: kind, status: failed ? 'failed' : 'ok', logFile: logFileOf(env.config.global.stateDir) }, outcomesOf, env.catalog.stepsOf(runId));
      if (lines.length > 0) process.stderr.write(`${[...lines, ...(failed ? after : [])].join('\n')}\n`);
      return failed ? 1 : 0;
    }
    env.out(renderTable(['HOST', kind.toUpperCase(), 'DETAIL'], rows));
    if (after.length > 0) env.out(['', ...after].join('\n'));
    return failed ? 1 : 0;
  } finally {
    interrupt.dispose();
    env.close();
  }
}

function worstOf(outcomes: Array<StepOutcome<unknown>>): Status {
  for (const s of ['failed', 'interrupted', 'warning'] as const) if (outcomes.some((o) => o.status === s)) return s;
  return outcomes.length > 0 && outcomes.every((o) => o.status === 'skipped') ? 'skipped' : 'ok';
}

