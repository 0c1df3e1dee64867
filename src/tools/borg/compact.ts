// `borg compact`: frees the space of pruned archives.
import { LOCK_WAIT } from './flags.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

export function buildCompactArgs(repo: string): string[] {
  return ['compact', ...LOCK_WAIT, repo];
}

/** `borg compact` of `repo`; throws ToolError when borg fails. */
export async function compactRepo(ctx: BorgContext, repo: string): Promise<void> {
  await runBorgOrThrow(ctx, buildCompactArgs(repo), `borg compact of ${repo}`);
}
