// Pure argument builders for the rclone subcommands off-site copies use (rclone >= 1.56). Unit-tested argv.

export interface RcloneCommon {
  /** rclone.conf (--config), or undefined for rclone's default. */
  config?: string;
  /** Bytes per second, or undefined for no limit. */
  bwlimitBytes?: number;
}

/** borg's lock files (while some borg process holds the repository): never part of a copy. */
export const LOCK_EXCLUDES = ['--exclude', '/lock.exclusive/**', '--exclude', '/lock.roster'];

function common(o: RcloneCommon): string[] {
  const args = ['--use-json-log', '--retries', '3', '--low-level-retries', '10'];
  if (o.config) args.push('--config', o.config);
  // rclone reads K as KiB/s; below 1 KiB/s would mean "no limit" to it, so at least 1K.
  if (o.bwlimitBytes !== undefined) args.push('--bwlimit', `${Math.max(1, Math.floor(o.bwlimitBytes / 1024))}K`);
  return args;
}

/**
 * `rclone sync LOCAL REMOTE`: makes the remote equal to the local repository; deletes at most
 * `maxDelete` remote files (the second guard against a wiped repository); final statistics as JSON.
 */
export function buildSyncArgs(local: string, remote: string, o: RcloneCommon & { maxDelete: number }): string[] {
  return ['sync', ...common(o), '--stats', '1h', '--stats-log-level', 'NOTICE', '--max-delete', String(o.maxDelete), ...LOCK_EXCLUDES, '--', local, remote];
}

/** `rclone check LOCAL REMOTE`: sizes and hashes (or sizes only where the remote has no common hash). */
export function buildCheckArgs(local: string, remote: string, o: RcloneCommon): string[] {
  return ['check', ...common(o), ...LOCK_EXCLUDES, '--', local, remote];
}

/** `rclone size --json REMOTE`: the remote's file count and bytes. */
export function buildSizeArgs(remote: string, o: RcloneCommon): string[] {
  return ['size', ...common(o), '--json', '--', remote];
}

/** `rclone sync REMOTE DIR`: fetches the off-site copy into a scratch directory (incremental when it is already there). */
export function buildFetchArgs(remote: string, dir: string, o: RcloneCommon): string[] {
  return ['sync', ...common(o), '--stats', '1h', '--stats-log-level', 'NOTICE', '--', remote, dir];
}

/** `rclone cat FILE`: one small remote file on stdout (the copy's borg config). */
export function buildCatArgs(file: string, o: RcloneCommon): string[] {
  return ['cat', ...common(o), '--', file];
}
