// `borg extract`: an archive's files (or some of them) into a directory.
import { mkdirSync } from 'node:fs';
import { archivePathArgs, LOCK_WAIT, type ArchivePaths } from './flags.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

/** `borg extract` (ACLs and xattrs are restored by default); holes of sparse files stay holes (`--sparse`). */
export function buildExtractArgs(repo: string, archive: string, paths?: ArchivePaths, opts: { dryRun?: boolean } = {}): string[] {
  const p = archivePathArgs(paths);
  const args = ['extract', ...LOCK_WAIT, '--numeric-ids', '--sparse'];
  if (opts.dryRun) args.push('--dry-run');
  args.push(...p.options, `${repo}::${archive}`, ...p.paths);
  return args;
}

/** Extracts `paths` (everything when not given) of `archive` into `dest`; throws ToolError when borg fails. */
export async function extractArchive(ctx: BorgContext, repo: string, archive: string, dest: string, paths?: ArchivePaths): Promise<void> {
  mkdirSync(dest, { recursive: true });
  await runBorgOrThrow(ctx, buildExtractArgs(repo, archive, paths), `borg extract ${archive}`, { cwd: dest });
}
