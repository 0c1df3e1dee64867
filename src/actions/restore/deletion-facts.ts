// The deletion preview of a restore, gathered with the readiness facts (read-only): per folder
// step, the archive's paths of that source (one borg list of every folder step's source, metadata
// only) against the target's paths as rsync lists them with the step's excludes; the comparison is
// plan/restore-deletions.
import { describeError } from '../../errors.js';
import { borgListedPath, plannedDeletions, type DeletionFact } from '../../plan/restore-deletions.js';
import type { PlannedStep, RestorePlan } from '../../plan/restore-plan.js';
import { listItemPaths } from '../../tools/borg/items.js';
import { rsyncListTree } from '../../tools/rsync/list.js';
import { SESSION_CHANNELS } from '../../tools/ssh/client.js';
import { mapPool } from '../../util/pool.js';
import { rsyncVia, type RestoreContext } from './context.js';

/** What each folder step of `plan` would delete on the target; never throws (an unknown count carries the reason). */
export async function deletionFacts(ctx: RestoreContext, plan: RestorePlan): Promise<DeletionFact[]> {
  const steps = plan.steps.filter((step) => step.mode === 'files');
  if (steps.length === 0) return [];
  const where = (step: PlannedStep) => `${plan.target.name}:${step.targetPath}`;
  // One borg walk of the archive's items for every folder step (each walk reads all of them,
  // whatever it prints), then the target's listings at once, reported in plan order.
  let archived: Map<string, Set<string>>;
  try {
    archived = await archivedPaths(ctx, plan, steps.map((s) => s.source));
  } catch (e) {
    return steps.map((step) => ({ source: step.source, where: where(step), error: describeError(e) }));
  }
  // A few at once over the shared connection (sshd's MaxSessions counts its sessions too).
  return mapPool(steps, SESSION_CHANNELS, async (step): Promise<DeletionFact> => {
    try {
      return { source: step.source, where: where(step), paths: await stepDeletions(ctx, step, archived.get(step.source)!) };
    } catch (e) {
      return { source: step.source, where: where(step), error: describeError(e) };
    }
  });
}

/** Each source's archived paths (relative to the source's folder), from one `borg list` of them all. */
async function archivedPaths(ctx: RestoreContext, plan: RestorePlan, sources: readonly string[]): Promise<Map<string, Set<string>>> {
  const archived = new Map(sources.map((s) => [s, new Set<string>()]));
  await listItemPaths(ctx.borg, plan.repository, plan.archive, (i) => {
    const slash = i.path.indexOf('/');
    if (slash > 0) archived.get(i.path.slice(0, slash))?.add(i.path.slice(slash + 1));
  }, { prefix: [...sources] });
  return archived;
}

async function stepDeletions(ctx: RestoreContext, step: PlannedStep, archived: Set<string>): Promise<string[]> {
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
