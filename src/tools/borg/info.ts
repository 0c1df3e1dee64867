// `borg info --json`: archives' size and file count, for archives the catalog has no statistics
// for (`pullback list`).
import { JobError } from '../../errors.js';
import { LOCK_WAIT, parseJsonOutput } from './flags.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

/** `borg info --json` of one archive, or of every archive matching a glob. */
export function buildArchiveInfoArgs(repo: string, target: { archive: string } | { glob: string }): string[] {
  return 'archive' in target ? ['info', ...LOCK_WAIT, '--json', `${repo}::${target.archive}`] : ['info', ...LOCK_WAIT, '--json', '--glob-archives', target.glob, repo];
}

export interface ArchiveStats {
  originalSize: number;
  nfiles: number;
}

type InfoArchive = { name: string; stats?: { original_size?: number; nfiles?: number } };

/** The archives of `borg info --json` output; undefined when it is not JSON. */
export function parseArchiveInfo(lines: readonly string[]): InfoArchive[] | undefined {
  const json = parseJsonOutput(lines) as { archives?: InfoArchive[] } | undefined;
  return json ? (json.archives ?? []) : undefined;
}

/**
 * Size and file count of `names` from `borg info`: one call per archive for a few, one call over
 * `glob` for many (borg reads each archive's metadata either way). Throws ToolError, JobError.
 */
export async function archiveStats(ctx: BorgContext, repo: string, names: readonly string[], glob: string): Promise<Map<string, ArchiveStats>> {
  const out = new Map<string, ArchiveStats>();
  if (names.length === 0) return out;
  const calls = names.length <= 3 ? names.map((archive) => buildArchiveInfoArgs(repo, { archive })) : [buildArchiveInfoArgs(repo, { glob })];
  for (const args of calls) {
    const archives = parseArchiveInfo(await runBorgOrThrow(ctx, args, `borg info of ${repo}`, { quiet: true }));
    if (!archives) throw new JobError(`borg info of ${repo} printed no JSON`);
    for (const a of archives) {
      if (names.includes(a.name)) out.set(a.name, { originalSize: a.stats?.original_size ?? 0, nfiles: a.stats?.nfiles ?? 0 });
    }
  }
  return out;
}
