// Exporting a repository's key for escrow: the repository is the one this host archives to (its
// recorded borg id), and the key is written to a new file only this user may read, never over an
// existing one.
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import type { Catalog } from '../catalog/catalog.js';
import { JobError, UsageError } from '../errors.js';
import { exportRepoKey } from '../tools/borg/key.js';
import type { BorgContext } from '../tools/borg/run.js';
import { openRepo } from '../archive/repo-identity.js';

export interface KeyExported {
  repository: string;
  file: string;
  /** The repository id of the `BORG_KEY` line. */
  repoId: string;
  bytes: number;
}

/** Writes the key of `host`'s repository `repo` to the new file `file` (mode 600); UsageError if it exists, JobError/ToolError when the key cannot be had. */
export async function exportKeyToFile(borg: BorgContext, catalog: Catalog, repo: string, host: string, file: string): Promise<KeyExported> {
  if (borg.repository.encryption === 'none') throw new JobError(`repository ${repo} is not encrypted (encryption: none): it has no key to export`);
  if (existsSync(file)) throw new UsageError(`refusing to overwrite ${file}: it exists (choose a new file, or remove it first)`);
  if ((await openRepo(borg, catalog, repo, host, 'read')) === 'absent') throw new JobError(`no repository at ${repo} yet: it is created by the first pullback run (or pullback init)`);
  const key = await exportRepoKey(borg, repo);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600); // exclusive: a file that appeared meanwhile is not overwritten either
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`refusing to overwrite ${file}: it exists (choose a new file, or remove it first)`);
    throw new UsageError(`cannot create ${file}: ${code === 'ENOENT' ? 'its directory does not exist' : (e as Error).message}`);
  }
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  return { repository: repo, file, repoId: key.slice('BORG_KEY '.length, key.indexOf('\n')), bytes: Buffer.byteLength(key) };
}
