// What `pullback list` asks borg about archives: `borg list --json --format {comment}` (names,
// times and comments: one cheap read of the manifest and archive headers) and `borg info --json`
// (size and file count, for archives the catalog has no statistics for).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../../errors.js';
import { LOCK_WAIT } from './args.js';
import { isLocalRepo } from './repo.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

/** `borg list --json` of the archives matching `glob`, with each archive's comment. */
export function buildListWithCommentsArgs(repo: string, glob: string): string[] {
  return ['list', ...LOCK_WAIT, '--json', '--format', '{comment}', '--glob-archives', glob, repo];
}

/** `borg info --json` of one archive, or of every archive matching a glob. */
export function buildArchiveInfoArgs(repo: string, target: { archive: string } | { glob: string }): string[] {
  return 'archive' in target ? ['info', ...LOCK_WAIT, '--json', `${repo}::${target.archive}`] : ['info', ...LOCK_WAIT, '--json', '--glob-archives', target.glob, repo];
}

export interface ArchiveHeader {
  name: string;
  start: string;
  id: string;
  comment: string;
}

export interface ArchiveStats {
  originalSize: number;
  nfiles: number;
}

/** Archives matching `glob`, oldest first, with their comments; [] when a local repository does not exist. Throws ToolError. */
export async function listArchiveHeaders(ctx: BorgContext, repo: string, glob: string): Promise<ArchiveHeader[]> {
  if (isLocalRepo(repo) && !existsSync(join(repo, 'config'))) return [];
  const lines = await runBorgOrThrow(ctx, buildListWithCommentsArgs(repo, glob), `borg list of ${repo}`, { quiet: true });
  const json = parse(lines) as { archives?: Array<{ name: string; start: string; id: string; comment?: string }> } | undefined;
  if (!json) throw new JobError(`borg list of ${repo} printed no JSON`);
  return (json.archives ?? []).map((a) => ({ name: a.name, start: a.start, id: a.id, comment: a.comment ?? '' }));
}

/**
 * Size and file count of `names` from `borg info`: one call per archive for a few, one call over
 * `glob` for many (borg reads each archive's metadata either way). Throws ToolError.
 */
export async function archiveStats(ctx: BorgContext, repo: string, names: readonly string[], glob: string): Promise<Map<string, ArchiveStats>> {
  const out = new Map<string, ArchiveStats>();
  if (names.length === 0) return out;
  const calls = names.length <= 3 ? names.map((archive) => buildArchiveInfoArgs(repo, { archive })) : [buildArchiveInfoArgs(repo, { glob })];
  for (const args of calls) {
    const lines = await runBorgOrThrow(ctx, args, `borg info of ${repo}`, { quiet: true });
    const json = parse(lines) as { archives?: Array<{ name: string; stats?: { original_size?: number; nfiles?: number } }> } | undefined;
    if (!json) throw new JobError(`borg info of ${repo} printed no JSON`);
    for (const a of json.archives ?? []) {
      if (names.includes(a.name)) out.set(a.name, { originalSize: a.stats?.original_size ?? 0, nfiles: a.stats?.nfiles ?? 0 });
    }
  }
  return out;
}

function parse(lines: string[]): unknown {
  try {
    return JSON.parse(lines.join('\n'));
  } catch {
    return undefined;
  }
}
