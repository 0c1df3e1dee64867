// `borg create`: an archive of a tree rsync wrote, with its statistics and a count of the files
// borg had to read (its --list lines, counted as they stream).
import { ToolError } from '../../errors.js';
import { describeFilesystemOf } from '../../util/filesystem.js';
import { LOCK_WAIT, parseJsonOutput } from './flags.js';
import type { BorgCreateProgress } from './progress.js';
import { borgErrorFrom, borgFailure, runBorg, type BorgContext } from './run.js';
import { parseRepoTotals, type RepoTotals } from './info.js';

export interface CreateOptions {
  repo: string;
  archive: string;
  compression: string;
  /** Paths relative to the command's cwd. */
  paths: string[];
  /** ISO timestamp for a backdated archive (tests, imports). */
  timestamp?: string;
  excludes?: string[];
  /** Archive comment (`--comment`), e.g. why an archive is partial. */
  comment?: string;
  /** JSON progress lines on stderr (`--progress --log-json`), for a person at a terminal only. */
  progress?: boolean;
  /**
   * False for the first archive in a repository: borg's files cache holds nothing yet, so every
   * file is read, and a --list line per file would only say so (a million lines for a million
   * files). borg then lists only the files it could not read (E).
   */
  listRead?: boolean;
}

export function buildCreateArgs(o: CreateOptions): string[] {
  const args = [
    'create',
    ...LOCK_WAIT,
    '--json',
    '--compression', o.compression,
    // The mirror is written by rsync, which keeps mtimes and replaces files (new inodes): mtime+size is
    // exactly rsync's own quick check, so unchanged files are not re-read.
    '--files-cache', 'mtime,size',
    '--numeric-ids',
    // What borg archives is always a tree rsync wrote (the mirror, a restore's safety snapshot), and
    // rsync on Linux copies no inode flags (chattr): the tree's flags are this host's, not the main
    // server's, so reading them (an open and an ioctl per file, 4-6% of a night's borg create at
    // 30,000 unchanged files) would archive nothing of the origin and restore this host's flags.
    '--noflags',
    // One line per file borg had to read (A added, M modified, E error): the proof that the files
    // cache held and unchanged files were not read again. Counted as they stream, never kept.
    '--list', o.listRead === false ? '--filter=E' : '--filter=AME',
  ];
  if (o.progress) args.push('--progress', '--log-json');
  if (o.timestamp) args.push('--timestamp', o.timestamp);
  if (o.comment) args.push('--comment', o.comment);
  for (const e of o.excludes ?? []) args.push('--exclude', e);
  args.push(`${o.repo}::${o.archive}`, '--', ...o.paths);
  return args;
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
  /** The repository's totals once the archive was committed (`cache.stats` of the same JSON, as `borg info --json REPO` prints them). */
  repository?: RepoTotals;
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

/** The archive's statistics from `borg create --json` (stdout); zeros for what it did not say. */
export function parseCreateStats(lines: readonly string[]): Pick<CreateStats, 'originalSize' | 'compressedSize' | 'deduplicatedSize' | 'nfiles'> {
  const json = parseJsonOutput(lines) as { archive?: { stats?: Record<string, number> } } | undefined;
  const s = json?.archive?.stats ?? {};
  return { originalSize: s.original_size ?? 0, compressedSize: s.compressed_size ?? 0, deduplicatedSize: s.deduplicated_size ?? 0, nfiles: s.nfiles ?? 0 };
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
      'borg rolled back the unfinished archive: nothing of it was committed. ' +
      'Free space there (or delete old archives and run borg compact on the repository) and run again';
    throw new ToolError(why, borgErrorFrom(out.result, `borg create ${o.archive}`).details);
  }
  // A repository borg refuses as rolled back, a wrong passphrase: the plain reason, not borg's raw line.
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg create ${o.archive}`);
  const stats = parseCreateStats(lines);
  if (o.listRead === false) Object.assign(read, { added: stats.nfiles, counted: false as const });
  const repository = parseRepoTotals(lines);
  return { ...stats, read, ...(repository ? { repository } : {}), warning: out.verdict.kind === 'warning' ? out.verdict.reason : undefined };
}
