// Repository maintenance after an archive: prune by retention (only this host's nightly archives),
// compact, and the borg checks that are due.
import { nightlyGlob } from '../tools/borg/args.js';
import { checkRepo, compactRepo, pruneArchives } from '../tools/borg/repo.js';
import { borgContext, hostRepo, type HostContext, type StepOutcome } from './context.js';
import { openRepo } from './repo-identity.js';

/** Prunes the host's nightly archives by the retention policy; returns the pruned names. */
export async function pruneHost(ctx: HostContext): Promise<StepOutcome<string[]>> {
  const repo = hostRepo(ctx);
  // A missing or swapped repository throws (a failed step); one that never existed has nothing to prune.
  if ((await openRepo(borgContext(ctx), ctx.catalog, repo, ctx.host.name, 'read')) === 'absent') {
    return { status: 'skipped', error: `no repository at ${repo} yet: nothing to prune`, value: [] };
  }
  const pruned = await pruneArchives(borgContext(ctx), repo, ctx.host.name, ctx.global.retention);
  ctx.catalog.markPruned(repo, pruned);
  ctx.logger.info({ step: 'prune', repository: repo, pruned }, pruned.length ? `pruned ${pruned.length} archive(s): ${pruned.join(', ')}` : 'pruned 0 archives: the retention policy keeps every one');
  return { status: 'ok', files: pruned.length, details: { pruned }, value: pruned };
}

export async function compactHost(ctx: HostContext): Promise<StepOutcome> {
  await compactRepo(borgContext(ctx), hostRepo(ctx));
  return { status: 'ok' };
}

export interface CheckRequest {
  repository: boolean;
  archives: boolean;
  verifyData: boolean;
}

/** Runs `borg check` as requested and records each part in the check history. */
export async function checkHost(ctx: HostContext, req: CheckRequest): Promise<StepOutcome<string[]>> {
  const repo = hostRepo(ctx);
  if ((await openRepo(borgContext(ctx), ctx.catalog, repo, ctx.host.name, 'read')) === 'absent') {
    return { status: 'failed', error: `no repository at ${repo}: ${ctx.host.name} has never been archived`, value: [] };
  }
  const out = await checkRepo(borgContext(ctx), {
    repo,
    repository: req.repository,
    archives: req.archives || req.verifyData,
    verifyData: req.verifyData,
    glob: nightlyGlob(ctx.host.name),
  });
  const status = out.verdict.kind === 'failed' ? 'failed' : 'ok';
  const kinds = [req.repository && 'repository', (req.archives || req.verifyData) && 'archives', req.verifyData && 'data'].filter(
    (k): k is string => typeof k === 'string',
  );
  for (const k of kinds) ctx.catalog.recordCheck(repo, k, ctx.host.name, status);
  const what = req.verifyData ? 'borg check --verify-data' : 'borg check';
  if (out.verdict.kind === 'failed' && out.verdict.cause) {
    return { status: 'failed', error: `${what} of ${repo} could not run: ${out.verdict.reason}`, details: { kinds, problems: out.problems }, value: out.problems };
  }
  if (out.verdict.kind === 'failed') {
    const detail = out.problems.filter((l) => !/^Starting|^Checking|^Archive consistency check complete|^finished/i.test(l)).slice(0, 5);
    return {
      status: 'failed',
      error: `${what} of ${repo} found problems: ${detail.join(' | ') || out.verdict.reason}`,
      details: { kinds, problems: out.problems },
      value: out.problems,
    };
  }
  return { status: out.verdict.kind === 'warning' ? 'warning' : 'ok', details: { kinds }, value: [] };
}
