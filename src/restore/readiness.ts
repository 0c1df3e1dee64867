// Gathering the readiness facts (read-only): borg check of the chosen archive, then over SSH the
// free space, writability and database servers of the target. The verdict is restore/readiness-verdict.ts.
import type { BorgContext } from '../tools/borg/run.js';
import { checkRepo } from '../tools/borg/check.js';
import type { DeletionFact } from './deletions.js';
import type { RestorePlan } from './plan.js';
import type { BackupAgeFact, ReadinessFacts } from './readiness-verdict.js';
import { describeError } from '../errors.js';
import type { RestoreContext } from './context.js';
import { databaseFacts } from './db-facts.js';
import { deletionFacts } from './deletion-facts.js';
import { spaceFacts, writableFacts } from './remote-facts.js';

/** `borg check` of one archive (metadata and chunk presence); never throws. */
export async function checkArchive(borg: BorgContext, repo: string, archive: string): Promise<ReadinessFacts['archiveCheck']> {
  try {
    const out = await checkRepo(borg, { repo, repository: false, archives: true, verifyData: false, archive });
    if (out.verdict.kind === 'failed') {
      const detail = out.problems.filter((l) => !/^(Starting|Checking|Archive consistency check complete|finished)/i.test(l)).slice(0, 3);
      return { archive, ok: false, detail: `found problems: ${detail.join(' | ') || out.verdict.reason}` };
    }
    return { archive, ok: true, detail: out.verdict.kind === 'warning' ? `ok with a warning: ${out.verdict.reason}` : 'no problems' };
  } catch (e) {
    return { archive, ok: false, detail: describeError(e) };
  }
}

export interface GatherInput {
  borg: BorgContext;
  repository: string;
  archive: string;
  plan: RestorePlan;
  backup?: BackupAgeFact;
  /** The session's context, or the reason the SSH login failed. */
  target: RestoreContext | { loginError: string };
  now?: Date;
  /** The archive's paths per source, read with the plan's figures: the deletion preview lists only the target. */
  archived: ReadonlyMap<string, ReadonlySet<string>>;
  /** Called once the archive check is done and passed (borg's lock is free for readers again): the restore's extraction may begin. */
  onArchiveChecked?: () => void;
}

/** Every fact the checklist needs, plus the deletion preview; the SSH part is skipped (and fails) when the login failed. */
export async function gatherReadiness(input: GatherInput): Promise<ReadinessFacts & { deletions: DeletionFact[] }> {
  // The facts are independent reads: gathered at once (borg here, remote commands on their own SSH
  // channels, rsync listings through the restore's shared connection). The deletion preview's side
  // of the archive was read with the plan's figures: it lists only the target.
  const archiveChecked = checkArchive(input.borg, input.repository, input.archive).then((c) => {
    if (c.ok && !('loginError' in input.target)) input.onArchiveChecked?.();
    return c;
  });
  const t = input.plan.target;
  const where = `${t.user}@${t.address}:${t.port} (${t.name})`;
  if ('loginError' in input.target) {
    return { now: input.now ?? new Date(), backup: input.backup, archiveCheck: await archiveChecked, space: [], writable: [], databases: [], deletions: [], login: { target: where, ok: false, detail: input.target.loginError } };
  }
  const ctx = input.target;
  const [archiveCheck, space, writable, databases, deletions] = await Promise.all([
    archiveChecked,
    spaceFacts(ctx.session, input.plan, ctx.target.restore.spaceMargin, ctx.target.restore.minFreeBytes),
    writableFacts(ctx.session, input.plan),
    databaseFacts(ctx, input.plan),
    deletionFacts(ctx, input.plan, input.archived),
  ]);
  return { now: input.now ?? new Date(), backup: input.backup, archiveCheck, space, writable, databases, deletions, login: { target: where, ok: true, detail: 'host key verified, key accepted' } };
}
