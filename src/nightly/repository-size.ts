// The repository's size as borg reports it (`borg info --json REPO`), measured once the night's
// prune, compaction and archive are done (and after `pullback prune`) and recorded in the catalog,
// where the report, its chart and the metrics read it. A size that could not be measured is a
// warning: the backup is fine, the number the morning page shows is older than tonight.
import { describeError } from '../errors.js';
import { borgContext, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { repositoryTotals, type RepoTotals } from '../tools/borg/info.js';
import { recordRepositorySize } from '../catalog/repository-sizes.js';
import { humanBytes } from '../util/table.js';

/**
 * Measures and records the host's repository's totals; a warning (never a failure) when borg could
 * not say. `created`: the totals tonight's `borg create --json` printed with its archive (the same
 * cache.stats `borg info` reads; nothing of the night writes to the repository after the archive),
 * which saves a borg process and its second of start-up.
 */
export async function measureRepository(ctx: HostContext, created?: RepoTotals): Promise<StepOutcome<RepoTotals>> {
  const repo = hostRepo(ctx);
  try {
    // A read with time to spare: lower CPU priority, like the file index.
    const totals = created ?? (await repositoryTotals({ ...borgContext(ctx), nice: 10 }, repo));
    recordRepositorySize(ctx.catalog, repo, ctx.host.name, ctx.runId, totals);
    ctx.logger.info({ step: 'repository_size', repository: repo, ...totals }, `repository ${repo} holds ${humanBytes(totals.uniqueCsize)} (deduplicated, compressed)`);
    return { status: 'ok', details: { repository: repo, ...totals, from: created ? 'borg create --json' : 'borg info --json' }, value: totals };
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
    return { status: 'warning', error: `repository size not measured (the report and metrics show the last measurement): ${describeError(e)}` };
  }
}
