// `pullback check` and `pullback prune`: the maintenance steps alone, per host, recorded in the catalog.
import type { CommandSpec } from './spec.js';
import type { StepOutcome } from '../job/context.js';
import { recordStep } from '../job/context.js';
import { checkHost, compactHost, compareArchives, pruneHost, summarizeComparison } from '../nightly/maintain.js';
import { explainComparison, needsAttention, type ArchiveComparison } from '../archive/vanished.js';
import { hostOption, hostsOf, type GlobalOptions } from './common.js';
import { perHost, type MaintainOptions } from './per-host.js';
import { repairCommand } from './check-repair.js';
import type { DamageScan } from '../catalog/check-damage.js';
import { describeDamage } from '../nightly/damage-search.js';
import { damageNextStep } from '../report/freshness.js';
import { measureRepository } from '../nightly/repository-size.js';


/** `pullback check [--verify-data]`: the archives the catalog recorded against borg's listing, then repository and archive checks (and a full data read when asked). */
export function checkCommand(g: GlobalOptions, opts: MaintainOptions): Promise<number> {
  if (opts.repair) return repairCommand(g, opts);
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
      const lost = c && needsAttention(c) ? ['', `${host}: ${explainComparison(c)}`] : [];
      const damage = damageLines(host, outcomes[1]);
      return [...lost, ...damage];
    },
  );
}

/** After a failed check: the files it found unreadable, per archive, and what to do. */
function damageLines(host: string, o: StepOutcome<unknown> | undefined): string[] {
  const scan = (o?.details as { damage?: DamageScan } | undefined)?.damage;
  if (!scan) return [];
  return ['', `Damage in the repository of ${host}:`, ...describeDamage(scan).map((l) => `  ${l}`), `Next: ${damageNextStep(host, o?.status === 'failed' && (o.details as { kinds?: string[] }).kinds?.includes('data') ? 'data' : 'archives')}`];
}

/** `pullback prune`: retention, compact, then the repository's size measured (for the report and the metrics). */
export function pruneCommand(g: GlobalOptions, opts: MaintainOptions): Promise<number> {
  return perHost(g, 'prune', opts, async (ctx) => {
    const p = await recordStep(ctx, 'prune', undefined, () => pruneHost(ctx));
    if (p.status === 'failed' || p.status === 'skipped') return [p];
    const compact = await recordStep(ctx, 'compact', undefined, () => compactHost(ctx));
    // The size the report and the metrics show, as borg has it after what was pruned and freed.
    return [p, compact, await recordStep(ctx, 'repository_size', undefined, () => measureRepository(ctx))];
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
  usage: 'pullback check [--host NAME]... [--verify-data] [--repair [--yes]]',
  options: {
    ...hostOption,
    'verify-data': { type: 'boolean', description: 'also read and verify every data chunk (slow: reads the whole repository)' },
    repair: { type: 'boolean', description: 'borg check --repair of a damaged repository, after confirmation, then a whole check that proves it (docs/operations.md, "Repairing a damaged repository")' },
    yes: { type: 'boolean', description: 'with --repair: confirmed, ask nothing (scripts); without a terminal --repair needs it' },
  },
  handler: (g, v) => checkCommand(g, { hosts: hostsOf(v), verifyData: !!v['verify-data'], repair: !!v.repair, yes: !!v.yes }),
};

export const pruneSpec: CommandSpec = {
  name: 'prune',
  summary: 'apply the retention policy, then compact',
  usage: 'pullback prune [--host NAME]...',
  options: { ...hostOption },
  handler: (g, v) => pruneCommand(g, { hosts: hostsOf(v) }),
};
