// borg's memory of a repository on this machine (its security directory and cache), and the
// documented way to make borg accept a repository that went back in time (borg 1.2 FAQ, "this is
// either an attack or unsafe" warning): delete the security directory's manifest-timestamp, and the
// local cache with `borg delete --cache-only`. The rest of the security directory stays, above all
// its `nonce` (the AES counter borg must never reuse: the FAQ's reason against deleting it whole).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_WAIT } from './flags.js';
import { borgEnv, runBorgOrThrow, type BorgContext } from './run.js';

/** `borg delete --cache-only REPO`: deletes only this machine's cache of the repository (rebuilt on next use); never the repository. */
export function buildDeleteCacheArgs(repo: string): string[] {
  return ['delete', ...LOCK_WAIT, '--cache-only', repo];
}

/** The file in borg's security directory that remembers the newest manifest seen of repository `id`. */
export function manifestTimestampFile(ctx: Pick<BorgContext, 'repository' | 'stateDir'>, id: string): string {
  return join(borgEnv(ctx).BORG_SECURITY_DIR!, id, 'manifest-timestamp');
}

/** What acceptRepositoryState did: the file it removed (if there was one). */
export interface AcceptedState {
  removedTimestamp?: string;
}

/**
 * Makes borg accept the repository `repo` (id `id`) as it is now: forgets the newer manifest time it
 * remembers and deletes its local cache. Throws ToolError when borg fails.
 */
export async function acceptRepositoryState(ctx: BorgContext, repo: string, id: string): Promise<AcceptedState> {
  const file = manifestTimestampFile(ctx, id);
  const had = existsSync(file);
  if (had) rmSync(file);
  await runBorgOrThrow(ctx, buildDeleteCacheArgs(repo), `borg delete --cache-only ${repo}`);
  return had ? { removedTimestamp: file } : {};
}
