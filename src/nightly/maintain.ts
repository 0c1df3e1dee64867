// Repository maintenance after an archive: prune by retention (only this host's nightly archives),
// compact, and the borg checks that are due.
import { nightlyGlob } from '../tools/borg/flags.js';
import { type CheckOptions } from '../tools/borg/check.js';
import { checkRepo } from '../tools/borg/check.js';
import { compactRepo } from '../tools/borg/compact.js';
import { pruneArchives, type PruneOutcome } from '../tools/borg/prune.js';
import { decideCompact, type CompactDecision } from './compact.js';
import { humanBytes } from '../util/table.js';
import { borgContext, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { openRepo } from '../archive/repo-identity.js';
import { compareWithCatalog, describeArchive, explainComparison, needsAttention, type ArchiveComparison } from '../archive/vanished.js';
import { clearCheckFailure, recordCheckFailure, recordDamageScan } from '../catalog/check-damage.js';
import { unresolvedInterruptedRestores } from '../catalog/interrupted-restores.js';
import { describeDamage, searchDamage } from './damage-search.js';

/** Prunes the host's nightly archives by the retention policy; the pruned names and what they freed. */
export async function pruneHost(ctx: HostContext): Promise<StepOutcome<PruneOutcome>> {
  const repo = hostRepo(ctx);
  // A missing or swapped repository throws (a failed step); one that never existed has nothing to prune.
  if ((await openRepo(borgContext(ctx), ctx.catalog, repo, ctx.host.name, 'read')) === 'absent') {
    return { status: 'skipped', error: `no repository at ${repo} yet: nothing to prune`, value: { pruned: [] } };
  }
  const out = await pruneArchives(borgContext(ctx), repo, ctx.host.name, ctx.global.retention);
  const { pruned } = out;
  ctx.catalog.markPruned(repo, pruned);
  // Pays any prune a night owes (nightly/steps.ts): the archives are now as the policy keeps them.
  ctx.catalog.recordCheck(repo, 'prune', ctx.host.name, 'ok');
  ctx.logger.info({ step: 'prune', repository: repo, pruned, freedBytes: out.freedBytes }, pruned.length ? `pruned ${pruned.length} archive(s): ${pruned.join(', ')}` : 'pruned 0 archives: the retention policy keeps every one');
  return { status: 'ok', files: pruned.length, details: { pruned, freedBytes: out.freedBytes, repositoryBytes: out.repositoryBytes }, value: out };
}

/** `borg compact` of the host's repository; recorded per repository (the nightly job's weekly floor). */
export async function compactHost(ctx: HostContext, why?: string): Promise<StepOutcome> {
  const repo = hostRepo(ctx);
  await compactRepo(borgContext(ctx), repo);
  ctx.catalog.recordCheck(repo, 'compact', ctx.host.name, 'ok');
  return { status: 'ok', ...(why ? { details: { why } } : {}) };
}

/** Whether the nightly job compacts after tonight's prune (nightly/compact.ts). */
export function compactDecision(ctx: HostContext, prune: PruneOutcome): CompactDecision {
  const stats = { pruned: prune.pruned.length, freedBytes: prune.freedBytes, repositoryBytes: prune.repositoryBytes };
  return decideCompact(stats, ctx.catalog.lastCheck(hostRepo(ctx), 'compact', ctx.host.name), new Date(), humanBytes);
}

export interface CheckRequest {
  repository: boolean;
  archives: boolean;
  verifyData: boolean;
  /** A partial repository check of at most this long (checks.repository_max_duration; 0: full). */
  maxDurationSeconds?: number;
}

/** How far a partial repository check got, from borg's --info lines. */
export function partialProgress(lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const stopped = /finished partial segment check, last segment checked is (\d+)/.exec(l);
    if (stopped) return `partial: checked up to segment ${stopped[1]}, the next check resumes there`;
    const end = /finished segment check at segment (\d+)/.exec(l);
    if (end) return `partial: reached the last segment (${end[1]}); the next check starts a new pass`;
  }
  return undefined;
}

/** Lines borg prints about its progress at --info: never the reason a check failed. */
const CHECK_CHATTER = /^(Starting|Checking|Archive consistency check complete|finished|skipping to segments|Finished (partial|full) repository check)/i;

/**
 * Runs `borg check` as requested and records each part in the check history. A repository check
 * with a time limit runs on its own (borg allows --max-duration only with --repository-only).
 */
export async function checkHost(ctx: HostContext, req: CheckRequest): Promise<StepOutcome<string[]>> {
  const repo = hostRepo(ctx);
  if ((await openRepo(borgContext(ctx), ctx.catalog, repo, ctx.host.name, 'read')) === 'absent') {
    return { status: 'failed', error: `no repository at ${repo}: ${ctx.host.name} has never been archived`, value: [] };
  }
  const archives = req.archives || req.verifyData;
  const glob = nightlyGlob(ctx.host.name);
  const partial = req.repository && (req.maxDurationSeconds ?? 0) > 0;
  const parts: CheckOptions[] = partial
    ? [
        { repo, repository: true, archives: false, verifyData: false, maxDurationSeconds: req.maxDurationSeconds },
        ...(archives ? [{ repo, repository: false, archives: true, verifyData: req.verifyData, glob }] : []),
      ]
    : [{ repo, repository: req.repository, archives, verifyData: req.verifyData, glob }];
  const details: { kinds: string[]; problems?: string[]; repository?: string } = { kinds: [] };
  let warning = false;
  for (const part of parts) {
    const out = await checkRepo(borgContext(ctx), part);
    // A check cut short by SIGINT/SIGTERM, or one borg could not start (the lock held by another
    // borg, a full disk, a wrong passphrase), proved nothing either way: interrupted (red until a
    // check passes), never 'failed', which the restore's checklist reads as a damaged repository. A
    // repository that went back in time did lose data: that stays 'failed'.
    const couldNotRun = out.verdict.kind === 'failed' && out.verdict.cause !== undefined && out.verdict.cause !== 'rolled-back';
    const proved = out.verdict.kind === 'failed' && !ctx.signal?.aborted && !couldNotRun;
    const status = out.verdict.kind === 'failed' ? (proved ? 'failed' : 'interrupted') : 'ok';
    const kinds = [part.repository && 'repository', part.archives && 'archives', part.verifyData && 'data'].filter((k): k is string => typeof k === 'string');
    for (const k of kinds) ctx.catalog.recordCheck(repo, k, ctx.host.name, status);
    details.kinds.push(...kinds);
    if (part.maxDurationSeconds) {
      details.repository = partialProgress(out.problems) ?? `partial (at most ${part.maxDurationSeconds} s)`;
      ctx.logger.info({ step: 'check', repository: repo }, `repository check ${details.repository}`);
    } else if (part.repository) {
      details.repository = 'whole: every segment and the index';
    }
    const what = part.verifyData ? 'borg check --verify-data' : part.maxDurationSeconds ? 'borg check --repository-only --max-duration' : 'borg check';
    if (out.verdict.kind === 'failed' && out.verdict.cause) {
      return { status: 'failed', error: `${what} of ${repo} could not run: ${out.verdict.reason}`, details: { ...details, problems: out.problems }, value: out.problems };
    }
    if (out.verdict.kind === 'failed') {
      // Stopped by our own signal, borg found nothing: "killed by SIGTERM" is no problem of the repository's.
      if (ctx.signal?.aborted) return { status: 'interrupted', error: `${what} of ${repo} interrupted: pullback was stopped by a signal`, details: { ...details, problems: out.problems }, value: out.problems };
      const detail = out.problems.filter((l) => !CHECK_CHATTER.test(l)).slice(0, 5);
      const error = `${what} of ${repo} found problems: ${detail.join(' | ') || out.verdict.reason}`;
      // Damage until a whole check of the same kind passes: recorded before the (bounded) search, so
      // status is red even if the search is cut short.
      for (const k of kinds) recordCheckFailure(ctx.catalog, repo, k, ctx.host.name, error);
      const snapshots = unresolvedInterruptedRestores(ctx.catalog, ctx.host.name).flatMap((r) => (r.kind === 'restore' && r.snapshotArchive ? [{ archive: r.snapshotArchive, restoreId: r.id }] : []));
      const scan = await searchDamage(borgContext(ctx), repo, ctx.host.name, undefined, snapshots);
      for (const k of kinds) recordDamageScan(ctx.catalog, repo, k, ctx.host.name, scan);
      const named = describeDamage(scan);
      ctx.logger.error({ step: 'check', repository: repo, damage: scan }, `damaged files: ${named.join('; ') || 'none named'}`);
      return {
        status: 'failed',
        error: `${error}${named.length ? `; ${named.join('; ')}` : ''}`,
        details: { ...details, problems: out.problems, damage: scan },
        value: out.problems,
      };
    }
    // A partial repository check proves only the segments it read: it never resolves damage.
    if (!part.maxDurationSeconds) for (const k of kinds) clearCheckFailure(ctx.catalog, repo, k, ctx.host.name);
    if (out.verdict.kind === 'warning') warning = true;
  }
  return { status: warning ? 'warning' : 'ok', details, value: [] };
}

/**
 * Compares the archives the catalog recorded for the host with borg's listing (archive/vanished.ts),
 * marking the missing ones vanished: failed, with the whole explanation, when one is gone or borg
 * refuses the repository as rolled back; skipped before a first archive. Throws ToolError/JobError
 * when the repository is missing or swapped, or borg cannot list it at all.
 */
export async function compareArchives(ctx: HostContext): Promise<StepOutcome<ArchiveComparison>> {
  const repo = hostRepo(ctx);
  // A missing or swapped repository throws here (never "every archive is gone"); one that never existed holds nothing to compare.
  if ((await openRepo(borgContext(ctx), ctx.catalog, repo, ctx.host.name, 'read')) === 'absent') return { status: 'skipped', error: `no repository at ${repo} yet: no archive to compare` };
  const c = await compareWithCatalog(borgContext(ctx), ctx.catalog, repo, ctx.host.name);
  const details = { expected: c.expected, vanished: c.vanished.map((a) => a.name), rolledBack: c.rolledBack };
  if (needsAttention(c)) return { status: 'failed', error: explainComparison(c), details, value: c };
  return { status: 'ok', details, value: c };
}

/** A comparison's finding in one line (a table cell): what is gone, by name and time. */
export function summarizeComparison(c: ArchiveComparison): string {
  const gone = c.vanished.length > 0 ? `${c.vanished.length} archive(s) gone from the repository: ${c.vanished.map(describeArchive).join('; ')}` : 'no archive pullback recorded is missing';
  return c.rolledBack ? `repository rolled back (borg refuses it until accepted); ${gone}` : gone;
}
