// Where a repository is: a local path (its presence is read from the file system, no borg needed)
// or a remote one (ssh://... or user@host:path).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** True when `repo` is a local path (not ssh://... or user@host:path). */
export function isLocalRepo(repo: string): boolean {
  return repo.startsWith('/') && !repo.includes('://');
}

/** False when `repo` is a local path without a borg repository; undefined when it cannot tell (remote). */
export function localRepoExists(repo: string): boolean | undefined {
  return isLocalRepo(repo) ? existsSync(join(repo, 'config')) : undefined;
}
