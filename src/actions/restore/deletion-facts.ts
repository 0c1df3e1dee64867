// The deletion preview of a restore, gathered with the readiness facts (read-only): per folder
// step, the archive's paths of that source (borg list, metadata only) against the target's paths
// as rsync lists them with the step's excludes; the comparison is plan/restore-deletions.
import { describeError } from '../../errors.js';
import { borgListedPath, plannedDeletions, type DeletionFact } from '../../plan/restore-deletions.js';
import type { PlannedStep, RestorePlan } from '../../plan/restore-plan.js';
import { listItemPaths } from '../../tools/borg/items.js';
import { rsyncListTree } from '../../tools/rsync/list.js';
import { rsyncVia, type RestoreContext } from './context.js';

/** What each folder step of `plan` would delete on the target; never throws (an unknown count carries the reason). */
export async function deletionFacts(ctx: RestoreContext, plan: RestorePlan): Promise<DeletionFact[]> {
  // The folder steps at once (each a borg listing, then an rsync listing), reported in plan order.
  return Promise.all(
    plan.steps
      .filter((step) => step.mode === 'files')
      .map(async (step): Promise<DeletionFact> => {
        const where = `${plan.target.name}:${step.targetPath}`;
        try {
          return { source: step.source, where, paths: await stepDeletions(ctx, plan, step) };
        } catch (e) {
          return { source: step.source, where, error: describeError(e) };
        }
      }),
  );
}

async function stepDeletions(ctx: RestoreContext, plan: RestorePlan, step: PlannedStep): Promise<string[]> {
  const prefix = `${step.source}/`;
  const archived = new Set<string>();
  await listItemPaths(ctx.borg, plan.repository, plan.archive, (i) => {
    if (i.path.startsWith(prefix)) archived.add(i.path.slice(prefix.length));
  }, { prefix: [step.source] });
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
