// borg's memory of a repository on this machine (its security directory and cache), and the
// documented way to make borg accept a repository that went back in time (borg 1.2 FAQ, "this is
// either an attack or unsafe" warning): delete the security directory's manifest-timestamp, and the
// local cache with `borg delete --cache-only`. The rest of the security directory stays, above all
// its `nonce` (the AES counter borg must never reuse: the FAQ's reason against deleting it whole).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_WAIT, parseJsonOutput } from './flags.js';
import { buildRepoInfoArgs } from './info.js';
import { borgEnv, borgFailure, runBorg, runBorgOrThrow, type BorgContext } from './run.js';

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

/** The manifest's time in `borg info --json REPO` output (`repository.last_modified`); undefined when absent. Pure. */
export function parseLastModified(lines: readonly string[]): string | undefined {
  const json = parseJsonOutput(lines) as { repository?: { last_modified?: unknown } } | undefined;
  const t = json?.repository?.last_modified;
  return typeof t === 'string' ? t : undefined;
}

/** What rememberRepositoryState found: borg remembers the repository's state now, or refused it as rolled back (it remembers a newer one). */
export type Remembered = { kind: 'remembered'; lastModified?: string } | { kind: 'rolled-back'; reason: string };

/**
 * Makes borg remember the repository `repo` as it is now, after a write that did not (`borg check
 * --repair` commits a new manifest but opens no cache, so borg 1.2 never records it: a rollback of
 * exactly that transaction would pass unnoticed). `borg info --json REPO` opens the cache: borg syncs
 * it with the manifest and saves the manifest's time in its security directory (Cache.commit), so a
 * later rollback is refused ("... newer than repository") like any other. Gives that time
 * (`repository.last_modified`), or borg's refusal when the repository is already older than the
 * state borg remembers. Throws ToolError when borg fails otherwise.
 */
export async function rememberRepositoryState(ctx: BorgContext, repo: string): Promise<Remembered> {
  const lines: string[] = [];
  const out = await runBorg(ctx, buildRepoInfoArgs(repo), { quiet: true, onStdoutLine: (l) => lines.push(l) });
  if (out.verdict.kind === 'failed' && out.verdict.cause === 'rolled-back') return { kind: 'rolled-back', reason: out.verdict.reason };
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg info of ${repo}`);
  const lastModified = parseLastModified(lines);
  return lastModified ? { kind: 'remembered', lastModified } : { kind: 'remembered' };
}
