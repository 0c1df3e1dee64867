// What several borg subcommands share in their argv (the lock wait, the nightly archives' glob,
// archive paths as borg arguments or patterns) and in reading their JSON output.

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

/**
 * The archive paths given to `borg list` and `borg extract`: `prefix` (a folder and everything
 * under it: borg's own path arguments), or `exact` files, passed as `pf:` patterns, which borg
 * matches with one dictionary lookup per item (path arguments are prefix patterns tried one by one
 * against every item: a 50-file drill of a 300,000-file archive would cost 15 million matches).
 */
export type ArchivePaths = { prefix: string[] } | { exact: string[] } | { prefix: string[]; exact: string[] };

/** `paths` as borg arguments: options (before `REPO::ARCHIVE`) and path arguments (after it). */
export function archivePathArgs(p: ArchivePaths | undefined): { options: string[]; paths: string[] } {
  if (!p) return { options: [], paths: [] };
  const prefix = 'prefix' in p ? p.prefix : [];
  const exact = 'exact' in p ? p.exact : [];
  if (exact.length === 0) return { options: [], paths: prefix.length > 0 ? ['--', ...prefix] : [] };
  // One argv word each (`--pattern=...`): a path is never read as an option, nor split, nor trimmed.
  // Folders and files together: path arguments would come after the closing `-fm:*` and match nothing, so folders are `pp:` patterns.
  return { options: [...prefix.map((x) => `--pattern=+pp:${x}`), ...exact.map((x) => `--pattern=+pf:${x}`), '--pattern=-fm:*'], paths: [] };
}

/** borg's `--json` output (stdout lines) parsed; undefined when it is not JSON. */
export function parseJsonOutput(lines: readonly string[]): unknown {
  try {
    return JSON.parse(lines.join('\n'));
  } catch {
    return undefined;
  }
}
