// Opening a host's repository for an archive, a read or `pullback init`: what is there is compared
// with the repository id the catalog recorded, so a missing (unmounted) or swapped repository fails
// the step loudly and nothing is created behind the operator's back.
import { existsSync, renameSync } from 'node:fs';
import type { Catalog } from '../catalog/catalog.js';
import { archiveHistory, creationStarted, recordCreationStarted, recordedRepo, recordRepo } from '../catalog/guards.js';
import { JobError } from '../errors.js';
import { decideRepo, recreatedMessage, type RepoMemory, type RepoPurpose } from './repo-decision.js';
import { observeRepo } from '../tools/borg/repo-id.js';
import { ensureRepo } from '../tools/borg/init.js';
import { isLocalRepo } from '../tools/borg/repo.js';
import type { BorgContext } from '../tools/borg/run.js';

function memoryOf(catalog: Catalog, repo: string, host: string): RepoMemory {
  const rec = recordedRepo(catalog, repo);
  const hist = archiveHistory(catalog, repo, host);
  return { recordedId: rec?.id, recordedAt: rec?.recordedAt, archives: hist.count, lastArchive: hist.last, creationStartedAt: creationStarted(catalog, repo) };
}

/** `borg init` at `repo`, recorded as started before borg runs (so a kill mid-init leaves pullback's mark) and its id after. */
async function createRepo(borg: BorgContext, catalog: Catalog, repo: string, host: string, how: 'created' | 'init'): Promise<string> {
  recordCreationStarted(catalog, repo, host);
  const made = await ensureRepo(borg, repo);
  if (made && how === 'created') borg.logger?.info({ repository: repo, host }, 'initialised borg repository (first archive of this host)');
  const now = await observeRepo(borg, repo);
  if (now.kind !== 'present') throw new JobError(`borg init of ${repo} left no usable repository there`);
  recordRepo(catalog, repo, now.id, how);
  return now.id;
}

/** `<repo>.incomplete-<UTC stamp>`: where a half-made repository is moved (never deleted). Throws JobError for a remote one. */
function moveAside(repo: string, startedAt: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  if (!isLocalRepo(repo)) {
    throw new JobError(
      `repository ${repo} was left half-made by a borg init that never finished (started ${startedAt}): it has no manifest and never held an archive. ` +
        `It is on another machine, so pullback does not move it: rename it there to ${repo}.incomplete-${stamp}, then run again`,
    );
  }
  let aside = `${repo}.incomplete-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${repo}.incomplete-${stamp}-${n}`;
  renameSync(repo, aside);
  return aside;
}

/** Moves pullback's own half-made repository aside and creates it again; resolves what is to be said. */
async function recreateRepo(borg: BorgContext, catalog: Catalog, repo: string, host: string, startedAt: string, how: 'created' | 'init'): Promise<{ id: string; aside: string; said: string }> {
  const aside = moveAside(repo, startedAt);
  const said = recreatedMessage(repo, aside, startedAt);
  borg.logger?.warn({ repository: repo, host, movedTo: aside }, said);
  const id = await createRepo(borg, catalog, repo, host, how);
  return { id, aside, said };
}

/**
 * Makes sure `repo` is the repository `host` has been archived to, creating it only on a first use
 * (`archive`) and recording its id. Resolves 'absent' for a read of a repository that never existed,
 * else 'present'. pullback's own half-made repository (a killed borg init: no manifest, never an archive)
 * reads as 'absent' and is moved aside and created again for an archive (`note` is given what to say).
 * Throws JobError when it is missing, different or without a manifest otherwise (nothing created), ToolError when borg fails.
 */
export async function openRepo(
  borg: BorgContext,
  catalog: Catalog,
  repo: string,
  host: string,
  purpose: RepoPurpose,
  note?: (said: string) => void,
): Promise<'present' | 'absent'> {
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
    case 'create':
      await createRepo(borg, catalog, repo, host, 'created');
      return 'present';
    case 'recreate':
      note?.((await recreateRepo(borg, catalog, repo, host, decision.startedAt, 'created')).said);
      return 'present';
  }
}

export interface InitOutcome {
  repository: string;
  action: 'created' | 'recorded' | 'unchanged' | 'adopted' | 'recreated';
  id: string;
  previousId?: string;
  /** 'recreated': where the half-made repository was moved. */
  movedAside?: string;
}

/**
 * `pullback init`: creates the repository when missing (or moves pullback's own half-made one aside
 * and creates it again), else records (or adopts) the id found there. Throws JobError for a repository
 * without a manifest that is not pullback's unfinished init, ToolError when borg fails.
 */
export async function initRepo(borg: BorgContext, catalog: Catalog, repo: string, host = ''): Promise<InitOutcome> {
  const before = recordedRepo(catalog, repo);
  const seen = await observeRepo(borg, repo);
  if (seen.kind === 'missing') {
    const id = await createRepo(borg, catalog, repo, host, 'init');
    return { repository: repo, action: 'created', id, previousId: before?.id };
  }
  if (seen.kind === 'no-manifest') {
    const decision = decideRepo(repo, host, seen, memoryOf(catalog, repo, host), 'archive');
    if (decision.action !== 'recreate') throw new JobError(decision.action === 'refuse' ? decision.reason : `repository ${repo} has no manifest`);
    const made = await recreateRepo(borg, catalog, repo, host, decision.startedAt, 'init');
    return { repository: repo, action: 'recreated', id: made.id, previousId: before?.id, movedAside: made.aside };
  }
  if (before?.id === seen.id) return { repository: repo, action: 'unchanged', id: seen.id };
  recordRepo(catalog, repo, seen.id, before ? 'adopted' : 'init');
  return { repository: repo, action: before ? 'adopted' : 'recorded', id: seen.id, previousId: before?.id };
}
