// `pullback check` and `pullback prune`: the maintenance steps alone, per host, recorded in the catalog.
import type { CommandSpec } from './spec.js';
import { writeMetricsAfterJob } from '../report/metrics-write.js';
import type { Status } from '../catalog/catalog.js';
import type { StepOutcome, HostContext } from '../job/context.js';
import { recordStep } from '../job/context.js';
import { checkHost, compactHost, compareArchives, pruneHost, summarizeComparison } from '../nightly/maintain.js';
import { explainComparison, needsAttention, type ArchiveComparison } from '../archive/vanished.js';
import { renderTable } from '../util/table.js';
import { hostOption, hostsOf, interruptSignal, openEnv, selectHosts, type GlobalOptions } from './common.js';
import { assertPreflight } from '../job/preflight.js';

export interface MaintainOptions {
  hosts?: string[];
  verifyData?: boolean;
}

type Work = (ctx: HostContext) => Promise<Array<StepOutcome<unknown>>>;
/** Lines printed after the table for one host's outcomes (prune: the archives it deleted). */
type Report = (host: string, outcomes: Array<StepOutcome<unknown>>) => string[];

async function perHost(g: GlobalOptions, kind: string, opts: MaintainOptions, work: Work, report?: Report): Promise<number> {
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    assertPreflight(env.config.global, { borg: true, ssh: false });
    const runId = env.catalog.startRun(kind, { hosts: hosts.map((h) => h.name), verifyData: opts.verifyData });
    const rows: string[][] = [];
    const after: string[] = [];
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
      after.push(...(report?.(host.name, outcomes).slice(1) ?? []));
    }
    env.catalog.finishRun(runId, failed ? 'failed' : 'ok');
    env.out(renderTable(['HOST', kind.toUpperCase(), 'DETAIL'], rows));
    await writeMetricsAfterJob(env);
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

/** `pullback check [--verify-data]`: the archives the catalog recorded against borg's listing, then repository and archive checks (and a full data read when asked). */
export function checkCommand(g: GlobalOptions, opts: MaintainOptions): Promise<number> {
  return perHost(
    g,
    'check',
    opts,
    async (ctx) => {
      // The catalog is a witness: an archive it recorded that borg no longer lists fails the check (issue 22).
      const cmp = await recordStep(ctx, 'compare_archives', undefined, () => compareArchives(ctx));
      const check = await recordStep(ctx, 'check', undefined, () => checkHost(ctx, { repository: true, archives: true, verifyData: !!opts.verifyData }));
      return [cmp.value && cmp.status === 'failed' ? { ...cmp, error: summarizeComparison(cmp.value) } : cmp, check];
    },
    (host, outcomes) => {
      const c = outcomes[0]?.value as ArchiveComparison | undefined;
      return c && needsAttention(c) ? ['', `${host}: ${explainComparison(c)}`] : [];
    },
  );
}

/** `pullback prune`: retention then compact. */
export function pruneCommand(g: GlobalOptions, opts: MaintainOptions): Promise<number> {
  return perHost(g, 'prune', opts, async (ctx) => {
    const p = await recordStep(ctx, 'prune', undefined, () => pruneHost(ctx));
    if (p.status === 'failed' || p.status === 'skipped') return [p];
    return [p, await recordStep(ctx, 'compact', undefined, () => compactHost(ctx))];
  }, (host, outcomes) => {
    const pruned = outcomes[0]?.status === 'ok' ? (outcomes[0].value as { pruned: string[] } | undefined)?.pruned : undefined;
    return pruned ? formatPruned(host, pruned) : [];
  });
}

/** The prune's report for one host: the table's detail first, then one line per deleted archive. */
export function formatPruned(host: string, pruned: readonly string[]): string[] {
  if (pruned.length === 0) return ['pruned nothing (the retention policy keeps every archive)'];
  return [`pruned ${pruned.length} archive(s)`, `Pruned archives of ${host}:`, ...pruned.map((n) => `  ${n}`)];
}

export const checkSpec: CommandSpec = {
  name: 'check',
  summary: 'borg check of repositories and archives (--verify-data reads every chunk)',
  usage: 'pullback check [--host NAME]... [--verify-data]',
  options: { ...hostOption, 'verify-data': { type: 'boolean', description: 'also read and verify every data chunk (slow: reads the whole repository)' } },
  handler: (g, v) => checkCommand(g, { hosts: hostsOf(v), verifyData: !!v['verify-data'] }),
};

export const pruneSpec: CommandSpec = {
  name: 'prune',
  summary: 'apply the retention policy, then compact',
  usage: 'pullback prune [--host NAME]...',
  options: { ...hostOption },
  handler: (g, v) => pruneCommand(g, { hosts: hostsOf(v) }),
};
