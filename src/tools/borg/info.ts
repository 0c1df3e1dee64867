// `borg info --json`: archives' size and file count, for archives the catalog has no statistics
// for (`pullback list`); and the repository's own totals (what it holds on disk, deduplicated and
// compressed), which the nightly job records for the report and the metrics.
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

/** `borg info --json` of the repository itself (no archive): its cache's totals. */
export function buildRepoInfoArgs(repo: string): string[] {
  return ['info', ...LOCK_WAIT, '--json', repo];
}

/** borg's totals of a repository (`cache.stats`), in bytes. */
export interface RepoTotals {
  /** What the repository holds, deduplicated and compressed: its size (before `borg compact` frees pruned segments). */
  uniqueCsize: number;
  /** The same, uncompressed. */
  uniqueSize: number;
  /** Every archive's compressed size, summed (as if nothing were deduplicated). */
  totalCsize: number;
  /** Every archive's original size, summed. */
  totalSize: number;
}

/** The totals of `borg info --json REPO` output; undefined when it is not JSON or has no cache stats. */
export function parseRepoTotals(lines: readonly string[]): RepoTotals | undefined {
  const json = parseJsonOutput(lines) as { cache?: { stats?: Record<string, unknown> } } | undefined;
  const s = json?.cache?.stats;
  const n = (k: string) => (typeof s?.[k] === 'number' && Number.isFinite(s[k]) ? (s[k] as number) : undefined);
  const [uniqueCsize, uniqueSize, totalCsize, totalSize] = [n('unique_csize'), n('unique_size'), n('total_csize'), n('total_size')];
  if (uniqueCsize === undefined || uniqueSize === undefined || totalCsize === undefined || totalSize === undefined) return undefined;
  return { uniqueCsize, uniqueSize, totalCsize, totalSize };
}

/** The repository's totals from `borg info --json`. Throws ToolError when borg fails, JobError when it printed no totals. */
export async function repositoryTotals(ctx: BorgContext, repo: string): Promise<RepoTotals> {
  const totals = parseRepoTotals(await runBorgOrThrow(ctx, buildRepoInfoArgs(repo), `borg info of ${repo}`, { quiet: true }));
  if (!totals) throw new JobError(`borg info of ${repo} printed no repository totals (cache.stats)`);
  return totals;
}
