// The deletion preview of a restore, gathered with the readiness facts (read-only): per folder
// step, the archive's paths of that source (read with the plan's figures, metadata only) against
// the target's paths as rsync lists them with the step's excludes; the comparison is
// restore/deletions.ts. A folder whose target is a symlink (or lies below one) is not listed: rsync
// would list where it points.
import { describeError } from '../errors.js';
import { borgListedPath, plannedDeletions, type DeletionFact } from './deletions.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import { rsyncListTree } from '../tools/rsync/list.js';
import { SESSION_CHANNELS } from '../tools/ssh/client.js';
import { mapPool } from '../util/pool.js';
import { rsyncVia, type RestoreContext } from './context.js';
import type { RootFact } from './readiness-verdict.js';
import { rootRefusal } from './target-root.js';

/**
 * What each folder step of `plan` would delete on the target; never throws (an unknown count
 * carries the reason). `archived`: the archive's paths per source, read with the plan's figures
 * (one walk of the archive's items for both).
 */
export async function deletionFacts(ctx: RestoreContext, plan: RestorePlan, archived: ReadonlyMap<string, ReadonlySet<string>>, roots: readonly RootFact[] = []): Promise<DeletionFact[]> {
  // A granular step's own preview is selection-preview.ts.
  const steps = plan.steps.filter((step) => step.mode === 'files' && !step.selection);
  const where = (step: PlannedStep) => `${plan.target.name}:${step.targetPath}`;
  // rsync lists what a symlinked root points to: such a folder is not listed at all.
  const unlisted = new Map(roots.flatMap((r) => {
    const why = r.look ? rootRefusal(r.path, r.look) : `cannot look at it: ${r.error ?? 'unknown error'}`;
    return why && r.look?.kind !== 'other' ? [[r.path, `not listed: ${why}`] as const] : [];
  }));
  // The target's listings a few at once over the shared connection (sshd's MaxSessions counts its
  // sessions too), reported in plan order.
  return mapPool(steps, SESSION_CHANNELS, async (step): Promise<DeletionFact> => {
    const why = unlisted.get(step.targetPath);
    if (why !== undefined) return { source: step.source, where: where(step), error: why };
    try {
      return { source: step.source, where: where(step), paths: await stepDeletions(ctx, step, archived.get(step.source) ?? new Set()) };
    } catch (e) {
      return { source: step.source, where: where(step), error: describeError(e) };
    }
  });
}

async function stepDeletions(ctx: RestoreContext, step: PlannedStep, archived: ReadonlySet<string>): Promise<string[]> {
  const target: Array<{ path: string; dir: boolean }> = [];
  const listed = await rsyncListTree(ctx.global, ctx.target, step.targetPath, step.exclude, (e) => {
    const path = borgListedPath(e.name);
    // Only what is not archived is kept: the listing of a large tree is not held whole.
    if (!archived.has(path)) target.push({ path, dir: e.type === 'd' });
  }, rsyncVia(ctx));
  if (listed.missing) return [];
  if (listed.verdict.kind !== 'ok') throw new Error(`listing ${step.targetPath} with rsync: ${'reason' in listed.verdict ? listed.verdict.reason : 'failed'}`);
  return plannedDeletions(archived, target);
}
