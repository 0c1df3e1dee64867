// Pure argument builders for the borg subcommands pullback uses (borg 1.2). Unit-tested argv.
import type { Retention } from '../../config/types.js';

/**
 * borg's own wait for a lock, per attempt. borg polls a held lock every tenth of its --lock-wait
 * (120 s would be a 12 s sleep: two of pullback's readers starting together and meeting on the
 * lock's roster cost one of them 12 s); runBorg starts an attempt again after a lock timeout until
 * BORG_LOCK_WAIT_SECONDS have passed, so a held lock is still waited for that long in all.
 */
export const LOCK_WAIT = ['--lock-wait', '2'];

/** Glob matching exactly the nightly archives of `host` (`<host>-YYYYMMDDTHHMMSSZ`), not pre-restore snapshots. */
export function nightlyGlob(host: string): string {
  const d = '[0-9]';
  return `${host}-${d.repeat(8)}T${d.repeat(6)}Z`;
}

export function buildInitArgs(repo: string, encryption: string): string[] {
  return ['init', '--encryption', encryption, '--make-parent-dirs', repo];
}

/** `borg key export REPO` without PATH: the key goes to stdout, and pullback writes the file itself (mode 600, never over another). */
export function buildKeyExportArgs(repo: string): string[] {
  return ['key', 'export', repo];
}

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

export function buildPruneArgs(repo: string, host: string, retention: Retention, dryRun = false): string[] {
  const args = ['prune', ...LOCK_WAIT, '--list', '--glob-archives', nightlyGlob(host)];
  if (retention.daily > 0) args.push('--keep-daily', String(retention.daily));
  if (retention.weekly > 0) args.push('--keep-weekly', String(retention.weekly));
  if (retention.monthly > 0) args.push('--keep-monthly', String(retention.monthly));
  // --stats: what the deleted archives held alone (the nightly job compacts when that is worth it).
  args.push(dryRun ? '--dry-run' : '--stats');
  args.push(repo);
  return args;
}

export function buildCompactArgs(repo: string): string[] {
  return ['compact', ...LOCK_WAIT, repo];
}

export interface CheckOptions {
  repo: string;
  repository: boolean;
  archives: boolean;
  verifyData: boolean;
  /** Limit archive checks to these archives (glob). */
  glob?: string;
  /** Check only this archive. */
  archive?: string;
  /** A partial repository check of at most this long, resuming where the last one stopped (repository only; borg says how far it got at --info). */
  maxDurationSeconds?: number;
}

export function buildCheckArgs(o: CheckOptions): string[] {
  const args = ['check', ...LOCK_WAIT];
  const archives = o.archives || o.verifyData;
  if (o.repository && !archives) args.push('--repository-only');
  if (o.repository && !archives && o.maxDurationSeconds) args.push('--info', '--max-duration', String(o.maxDurationSeconds));
  if (!o.repository && archives) args.push('--archives-only');
  if (o.verifyData) args.push('--verify-data');
  if (archives && o.glob && !o.archive) args.push('--glob-archives', o.glob);
  args.push(o.archive ? `${o.repo}::${o.archive}` : o.repo);
  return args;
}

export function buildListArchivesArgs(repo: string, glob?: string): string[] {
  const args = ['list', ...LOCK_WAIT, '--json'];
  if (glob) args.push('--glob-archives', glob);
  args.push(repo);
  return args;
}

/**
 * The archive paths given to `borg list` and `borg extract`: `prefix` (a folder and everything
 * under it: borg's own path arguments), or `exact` files, passed as `pf:` patterns, which borg
 * matches with one dictionary lookup per item (path arguments are prefix patterns tried one by one
 * against every item: a 50-file drill of a 300,000-file archive would cost 15 million matches).
 */
export type ArchivePaths = { prefix: string[] } | { exact: string[] };

function pathArgs(p: ArchivePaths | undefined): { options: string[]; paths: string[] } {
  if (!p) return { options: [], paths: [] };
  if ('prefix' in p) return { options: [], paths: p.prefix.length > 0 ? ['--', ...p.prefix] : [] };
  if (p.exact.length === 0) return { options: [], paths: [] };
  // One argv word each (`--pattern=...`): a path is never read as an option, nor split, nor trimmed.
  return { options: [...p.exact.map((x) => `--pattern=+pf:${x}`), '--pattern=-fm:*'], paths: [] };
}

/** Lists an archive's items as JSON lines, with the keys pullback needs (sha256 only when asked: it reads chunks). */
export function buildListItemsArgs(repo: string, archive: string, withHash = false, paths?: ArchivePaths): string[] {
  const p = pathArgs(paths);
  const args = ['list', ...LOCK_WAIT, '--json-lines'];
  if (withHash) args.push('--format', '{type} {mode} {size} {mtime} {sha256} {path}{NL}');
  return [...args, ...p.options, `${repo}::${archive}`, ...p.paths];
}

/**
 * Lists an archive's items as `MODE PATH` records, each ended by NUL (a path may hold a newline):
 * the least borg formats per item (no JSON, no sizes, owners or times), for walks over every item
 * such as a drill's candidates. MODE's first letter is the type; 'h' marks a hard link.
 */
export function buildListPathsArgs(repo: string, archive: string, paths?: ArchivePaths): string[] {
  const p = pathArgs(paths);
  return ['list', ...LOCK_WAIT, '--format', '{mode} {path}{NUL}', ...p.options, `${repo}::${archive}`, ...p.paths];
}

/**
 * Lists an archive's items as two NUL-ended records each: `MODE SIZE PATH`, then the link target
 * (empty for anything but a symlink or a later path of a hard link). What a restore plan counts
 * per source (files, bytes, hard links once) and compares with the target, in half the time of
 * `--json-lines` (which formats every item's times, owners and flags as JSON) and a sixth of its bytes.
 */
export function buildListSizesArgs(repo: string, archive: string): string[] {
  return ['list', ...LOCK_WAIT, '--format', '{mode} {size} {path}{NUL}{linktarget}{NUL}', `${repo}::${archive}`];
}

export function buildInfoArgs(repo: string, archive: string): string[] {
  return ['info', ...LOCK_WAIT, '--json', `${repo}::${archive}`];
}

/** `borg extract` (ACLs and xattrs are restored by default); holes of sparse files stay holes (`--sparse`). */
export function buildExtractArgs(repo: string, archive: string, paths?: ArchivePaths, opts: { dryRun?: boolean } = {}): string[] {
  const p = pathArgs(paths);
  const args = ['extract', ...LOCK_WAIT, '--numeric-ids', '--sparse'];
  if (opts.dryRun) args.push('--dry-run');
  args.push(...p.options, `${repo}::${archive}`, ...p.paths);
  return args;
}

/**
 * `borg list --short --last 1 REPO` without the repository lock: opening the manifest needs the
 * key, so it proves the passphrase before a night's pulls, without waiting behind another
 * process's archive (a read that fails for any other reason proves nothing either way).
 */
export function buildKeyTestArgs(repo: string): string[] {
  return ['list', '--bypass-lock', '--short', '--last', '1', repo];
}

/** `borg list --json --last 1 REPO`: the cheapest call that prints the repository's id (reads the manifest only). */
export function buildRepoIdArgs(repo: string): string[] {
  return ['list', ...LOCK_WAIT, '--json', '--last', '1', repo];
}
