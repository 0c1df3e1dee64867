// borg operations pullback performs on a repository, each a builder + runner pair.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Retention } from '../../config/types.js';
import { JobError, ToolError } from '../../errors.js';
import { describeFilesystemOf } from '../../util/filesystem.js';
import { toolErrorFrom } from '../../exec/run.js';
import {
  buildCheckArgs,
  buildCompactArgs,
  buildCreateArgs,
  buildInitArgs,
  buildListArchivesArgs,
  buildPruneArgs,
  type CheckOptions,
  type CreateOptions,
} from './args.js';
import { statsRowDeduplicated } from './stats-rows.js';
import { classifyBorgCheckExit, type BorgVerdict } from './exit-codes.js';
import type { BorgCreateProgress } from './progress.js';
import { runBorg, runBorgOrThrow, type BorgContext } from './run.js';

/** True when `repo` is a local path (not ssh://... or user@host:path). */
export function isLocalRepo(repo: string): boolean {
  return repo.startsWith('/') && !repo.includes('://');
}

/** False when `repo` is a local path without a borg repository; undefined when it cannot tell (remote). */
export function localRepoExists(repo: string): boolean | undefined {
  return isLocalRepo(repo) ? existsSync(join(repo, 'config')) : undefined;
}

/** Initialises the repository on first use; resolves true when it was created now. */
export async function ensureRepo(ctx: BorgContext, repo: string): Promise<boolean> {
  if (isLocalRepo(repo) && existsSync(join(repo, 'config'))) return false;
  const stderr: string[] = [];
  const out = await runBorg(ctx, buildInitArgs(repo, ctx.repository.encryption), { onStderrLine: (l) => stderr.push(l) });
  if (out.verdict.kind !== 'failed') return true;
  if (stderr.some((l) => /already exists/i.test(l))) return false;
  throw toolErrorFrom(out.result, `borg init of ${repo}`);
}

export interface CreateStats {
  originalSize: number;
  compressedSize: number;
  deduplicatedSize: number;
  nfiles: number;
  /**
   * Files borg read (from its --list --filter=AME lines): added, modified (the others came from the
   * files cache unread), errors. `counted: false` for a first archive: every file read, not listed.
   */
  read?: { added: number; modified: number; errors: number; counted?: false };
  warning?: string;
}

/** Counts borg create's --list status lines into `read`; drops A and M lines (file names, not messages). */
export function listLineCounter(read: NonNullable<CreateStats['read']>): (line: string) => string | undefined {
  return (line) => {
    if (line.startsWith('A ')) read.added++;
    else if (line.startsWith('M ')) read.modified++;
    else {
      if (line.startsWith('E ')) read.errors++;
      return line;
    }
    return undefined;
  };
}

/** `borg create` (with `onProgress`: its --progress --log-json lines); throws ToolError on failure, returns the archive's statistics. */
export async function createArchive(ctx: BorgContext, o: CreateOptions, cwd: string, onProgress?: (p: BorgCreateProgress) => void): Promise<CreateStats> {
  const lines: string[] = [];
  const args = buildCreateArgs({ ...o, progress: onProgress !== undefined });
  const read = { added: 0, modified: 0, errors: 0 };
  const out = await runBorg(ctx, args, { cwd, onStdoutLine: (l) => lines.push(l), onProgress, mapStderrLine: listLineCounter(read) });
  if (out.verdict.kind === 'failed' && out.verdict.cause === 'no-space') {
    // Checked by the fault suite: borg rolled back, `borg check` passes, the next run after space is freed succeeds.
    const why =
      `borg create ${o.archive}: ${out.verdict.reason} in the repository's ${describeFilesystemOf(o.repo)}. ` +
      'borg rolled back the unfinished archive: nothing of it was committed and the repository needs no repair. ' +
      'Free space there (or delete old archives and run borg compact on the repository) and run again';
    throw new ToolError(why, toolErrorFrom(out.result, `borg create ${o.archive}`).details);
  }
  if (out.verdict.kind === 'failed') throw toolErrorFrom(out.result, `borg create ${o.archive}`);
  const json = safeJson(lines.join('\n')) as { archive?: { stats?: Record<string, number> } } | undefined;
  const s = json?.archive?.stats ?? {};
  if (o.listRead === false) Object.assign(read, { added: s.nfiles ?? 0, counted: false as const });
  return {
    originalSize: s.original_size ?? 0,
    compressedSize: s.compressed_size ?? 0,
    deduplicatedSize: s.deduplicated_size ?? 0,
    nfiles: s.nfiles ?? 0,
    read,
    warning: out.verdict.kind === 'warning' ? out.verdict.reason : undefined,
  };
}

export interface PruneOutcome {
  /** The archives deleted. */
  pruned: string[];
  /** Deduplicated bytes the deleted archives held alone (borg's "Deleted data"), when it said. */
  freedBytes?: number;
  /** Deduplicated size of all archives left (borg's "All archives"), when it said. */
  repositoryBytes?: number;
}

/** `borg prune` of the host's nightly archives; the names pruned and what they freed. */
export async function pruneArchives(ctx: BorgContext, repo: string, host: string, retention: Retention): Promise<PruneOutcome> {
  const r: PruneOutcome = { pruned: [] };
  const out = await runBorg(ctx, buildPruneArgs(repo, host, retention), {
    onStderrLine: (l) => {
      const m = /^Pruning archive(?: \(\d+\/\d+\))?:\s+(\S+)/.exec(l);
      if (m) r.pruned.push(m[1]!);
      r.freedBytes ??= statsRowDeduplicated(l, 'Deleted data');
      r.repositoryBytes ??= statsRowDeduplicated(l, 'All archives');
    },
  });
  if (out.verdict.kind === 'failed') throw toolErrorFrom(out.result, `borg prune of ${repo}`);
  return r;
}

/** `borg compact`: frees the space of pruned archives. */
export async function compactRepo(ctx: BorgContext, repo: string): Promise<void> {
  await runBorgOrThrow(ctx, buildCompactArgs(repo), `borg compact of ${repo}`);
}

export interface CheckOutcome {
  verdict: BorgVerdict;
  /** borg's complaints (damaged segments, missing chunks), for people and the catalog. */
  problems: string[];
}

/** `borg check`; never throws on a failed check (exit 1 included): the caller records and reports it. */
export async function checkRepo(ctx: BorgContext, o: CheckOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const out = await runBorg(ctx, buildCheckArgs(o), {
    onStderrLine: (l) => {
      if (problems.length < 200 && l.trim() !== '') problems.push(l);
    },
  });
  // A wrong passphrase checked nothing: it is not damage borg found.
  if (out.verdict.kind === 'failed' && out.verdict.cause) return { verdict: out.verdict, problems };
  return { verdict: classifyBorgCheckExit(out.result.exitCode, out.result.timedOut, out.result.signal), problems };
}

export interface ArchiveSummary {
  name: string;
  /** ISO time borg records as the archive's start. */
  start: string;
  id: string;
}

/** Archives in the repository (optionally matching a glob), oldest first. */
export async function listArchives(ctx: BorgContext, repo: string, glob?: string): Promise<ArchiveSummary[]> {
  if (isLocalRepo(repo) && !existsSync(join(repo, 'config'))) return [];
  const lines = await runBorgOrThrow(ctx, buildListArchivesArgs(repo, glob), `borg list of ${repo}`, { quiet: true });
  const json = safeJson(lines.join('\n')) as { archives?: Array<{ name: string; start: string; id: string }> } | undefined;
  if (!json) throw new JobError(`borg list of ${repo} printed no JSON`);
  return (json.archives ?? []).map((a) => ({ name: a.name, start: a.start, id: a.id }));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
