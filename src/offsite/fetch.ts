// Reading from an off-site copy when the local repository is gone (restore and drill --from-offsite):
// an rclone target's copy is fetched into a scratch directory and borg-checked first; a borg target
// is used where it is. Either way the result is the configuration of the repository to read from.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { recordedRepo } from '../catalog/guards.js';
import { offsiteLocation } from '../config/types-offsite.js';
import { repositoryPath, type GlobalConfig, type OffsiteTarget, type RepositoryConfig } from '../config/types.js';
import { JobError } from '../errors.js';
import { observeRepo } from '../tools/borg/repo-id.js';
import { checkRepo } from '../tools/borg/check.js';
import { buildFetchArgs } from '../tools/rclone/args.js';
import { runRclone } from '../tools/rclone/run.js';
import { ensurePrivateDir } from '../util/private.js';
import { borgTargetRepository, offsiteStateDir } from './targets.js';

export interface OffsiteSource {
  /** The global config with `repository` pointing at the off-site copy of the host. */
  global: GlobalConfig;
  /** What was done, for people. */
  note: string;
}

/**
 * The configuration that reads `host`'s repository from `target`. rclone: `rclone sync` of the
 * remote into <state_dir>/offsite/<target>/fetch/<host>, then `borg check` of it (JobError when it
 * fails; a copy that is not the repository now recorded for the host is said in the note). borg: the remote repository.
 */
export async function fromOffsite(global: GlobalConfig, catalog: Catalog, target: OffsiteTarget, host: string, logger?: Logger, signal?: AbortSignal): Promise<OffsiteSource> {
  const location = offsiteLocation(target, host);
  if (target.kind === 'borg') {
    return { global: { ...global, repository: borgTargetRepository(global, target, host) }, note: `reading ${host}'s archives from the off-site borg repository ${location}` };
  }
  const base = offsiteStateDir(global, target);
  for (const d of [join(global.stateDir, 'offsite'), base, join(base, 'fetch')]) ensurePrivateDir(d);
  const dir = join(base, 'fetch', host);
  const started = Date.now();
  const fetched = await runRclone({ logger, signal }, buildFetchArgs(location, dir, { config: target.rcloneConfig, bwlimitBytes: target.bwlimitBytes }));
  if (fetched.verdict.kind === 'failed') throw new JobError(`fetching the off-site copy ${location}: ${fetched.verdict.reason}${fetched.errors.length ? `: ${fetched.errors.slice(0, 3).join(' | ')}` : ''}`);
  const repository: RepositoryConfig = { ...global.repository, pathTemplate: dir, borgBaseDir: join(base, 'borg') };
  const borg = { repository, stateDir: global.stateDir, logger, signal };
  const seen = await observeRepo(borg, dir);
  if (seen.kind === 'missing') throw new JobError(`the off-site copy ${location} holds no borg repository (nothing to restore from)`);
  if (seen.kind === 'no-manifest') throw new JobError(`the off-site copy ${location} is a borg repository without a manifest (borg: "Repository has no manifest."): no archive in it can be listed; see "A repository without a manifest" in docs/operations.md`);
  // A different id is said, not refused: after a re-initialised local repository the off-site copy is the older history, which is what is wanted here.
  const recorded = recordedRepo(catalog, repositoryPath(global, host));
  const other = recorded && recorded.id !== seen.id ? `; note: it is borg repository ${seen.id.slice(0, 12)}, not ${recorded.id.slice(0, 12)} now recorded for ${host}'s local repository (re-initialised since?)` : '';
  const check = await checkRepo(borg, { repo: dir, repository: true, archives: true, verifyData: false });
  if (check.verdict.kind === 'failed') throw new JobError(`borg check of the fetched off-site copy ${dir} failed: ${check.problems.slice(-5).join(' | ') || check.verdict.reason}`);
  const took = Math.round((Date.now() - started) / 1000);
  return {
    global: { ...global, repository },
    note: `fetched the off-site copy ${location} into ${dir} (${fetched.stats?.bytes ?? 0} bytes transferred, ${took}s) and borg check passed${other}`,
  };
}
