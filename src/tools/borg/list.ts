// `borg list REPO`: the archives of a repository (names, start times, ids, comments), and the
// cheapest read that proves the passphrase before a night. An archive's items are list-items.ts.
import { JobError } from '../../errors.js';
import { LOCK_WAIT, parseJsonOutput } from './flags.js';
import { localRepoExists } from './repo.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

export function buildListArchivesArgs(repo: string, glob?: string): string[] {
  const args = ['list', ...LOCK_WAIT, '--json'];
  if (glob) args.push('--glob-archives', glob);
  args.push(repo);
  return args;
}

/** `borg list --json` of the archives matching `glob`, with each archive's comment (one cheap read of the manifest and archive headers). */
export function buildListWithCommentsArgs(repo: string, glob: string): string[] {
  return ['list', ...LOCK_WAIT, '--json', '--format', '{comment}', '--glob-archives', glob, repo];
}

/**
 * `borg list --short --last 1 REPO` without the repository lock: opening the manifest needs the
 * key, so it proves the passphrase before a night's pulls, without waiting behind another
 * process's archive (a read that fails for any other reason proves nothing either way).
 */
export function buildKeyTestArgs(repo: string): string[] {
  return ['list', '--bypass-lock', '--short', '--last', '1', repo];
}

export interface ArchiveSummary {
  name: string;
  /** ISO time borg records as the archive's start. */
  start: string;
  id: string;
}

export interface ArchiveHeader extends ArchiveSummary {
  comment: string;
}

type ListedArchive = { name: string; start: string; id: string; comment?: string };

/** The archives of `borg list --json` output, oldest first; undefined when it is not JSON. */
export function parseArchiveList(lines: readonly string[]): ListedArchive[] | undefined {
  const json = parseJsonOutput(lines) as { archives?: ListedArchive[] } | undefined;
  return json ? (json.archives ?? []) : undefined;
}

/** Archives in the repository (optionally matching a glob), oldest first; [] when a local repository does not exist. Throws ToolError, JobError. */
export async function listArchives(ctx: BorgContext, repo: string, glob?: string): Promise<ArchiveSummary[]> {
  if (localRepoExists(repo) === false) return [];
  const archives = parseArchiveList(await runBorgOrThrow(ctx, buildListArchivesArgs(repo, glob), `borg list of ${repo}`, { quiet: true }));
  if (!archives) throw new JobError(`borg list of ${repo} printed no JSON`);
  return archives.map((a) => ({ name: a.name, start: a.start, id: a.id }));
}

/** Archives matching `glob`, oldest first, with their comments; [] when a local repository does not exist. Throws ToolError, JobError. */
export async function listArchiveHeaders(ctx: BorgContext, repo: string, glob: string): Promise<ArchiveHeader[]> {
  if (localRepoExists(repo) === false) return [];
  const archives = parseArchiveList(await runBorgOrThrow(ctx, buildListWithCommentsArgs(repo, glob), `borg list of ${repo}`, { quiet: true }));
  if (!archives) throw new JobError(`borg list of ${repo} printed no JSON`);
  return archives.map((a) => ({ name: a.name, start: a.start, id: a.id, comment: a.comment ?? '' }));
}
