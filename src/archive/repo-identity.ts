// Opening a host's repository for an archive, a read or `pullback init`: what is there is compared
// with the repository id the catalog recorded, so a missing (unmounted) or swapped repository fails
// the step loudly and nothing is created behind the operator's back.
import type { Catalog } from '../catalog/catalog.js';
import { archiveHistory, recordedRepo, recordRepo } from '../catalog/guards.js';
import { JobError } from '../errors.js';
import { decideRepo, type RepoMemory, type RepoPurpose } from './repo-decision.js';
import { observeRepo } from '../tools/borg/repo-id.js';
import { ensureRepo } from '../tools/borg/init.js';
import type { BorgContext } from '../tools/borg/run.js';

function memoryOf(catalog: Catalog, repo: string, host: string): RepoMemory {
  const rec = recordedRepo(catalog, repo);
  const hist = archiveHistory(catalog, repo, host);
  return { recordedId: rec?.id, recordedAt: rec?.recordedAt, archives: hist.count, lastArchive: hist.last };
}

/**
 * Makes sure `repo` is the repository `host` has been archived to, creating it only on a first use
 * (`archive`) and recording its id. Resolves 'absent' for a read of a repository that never existed,
 * else 'present'. Throws JobError when it is missing or different (nothing created), ToolError when borg fails.
 */
export async function openRepo(borg: BorgContext, catalog: Catalog, repo: string, host: string, purpose: RepoPurpose): Promise<'present' | 'absent'> {
  const seen = await observeRepo(borg, repo);
  const decision = decideRepo(repo, host, seen, memoryOf(catalog, repo, host), purpose);
  switch (decision.action) {
    case 'refuse':
      throw new JobError(decision.reason);
    case 'absent':
      return 'absent';
    case 'use':
      if (decision.record && seen.kind === 'present') recordRepo(catalog, repo, seen.id, 'first-seen');
      return 'present';
    case 'create': {
      if (await ensureRepo(borg, repo)) borg.logger?.info({ repository: repo, host }, 'initialised borg repository (first archive of this host)');
      const now = await observeRepo(borg, repo);
      if (now.kind !== 'present') throw new JobError(`borg init of ${repo} left no repository there`);
      recordRepo(catalog, repo, now.id, 'created');
      return 'present';
    }
  }
}

export interface InitOutcome {
  repository: string;
  action: 'created' | 'recorded' | 'unchanged' | 'adopted';
  id: string;
  previousId?: string;
}

/** `pullback init`: creates the repository when missing, else records (or adopts) the id found there. Throws ToolError. */
export async function initRepo(borg: BorgContext, catalog: Catalog, repo: string): Promise<InitOutcome> {
  const before = recordedRepo(catalog, repo);
  const seen = await observeRepo(borg, repo);
  if (seen.kind === 'missing') {
    await ensureRepo(borg, repo);
    const now = await observeRepo(borg, repo);
    if (now.kind !== 'present') throw new JobError(`borg init of ${repo} left no repository there`);
    recordRepo(catalog, repo, now.id, 'init');
    return { repository: repo, action: 'created', id: now.id, previousId: before?.id };
  }
  if (before?.id === seen.id) return { repository: repo, action: 'unchanged', id: seen.id };
  recordRepo(catalog, repo, seen.id, before ? 'adopted' : 'init');
  return { repository: repo, action: before ? 'adopted' : 'recorded', id: seen.id, previousId: before?.id };
}
