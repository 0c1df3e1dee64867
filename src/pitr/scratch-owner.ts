// Who owns a scratch folder under TMPDIR (a restore --at's cluster or server): the owning process's
// identity in a file inside it, so the next restore --at can tell a killed one's leftovers from a
// running one's and remove only those.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGone, selfIdentity, type ProcessIdentity } from '../util/process-identity.js';

const OWNER_FILE = 'pullback-owner.json';

/** Marks `dir` as this process's (`mode`: the owner file's, as the folder's readers need). */
export function claimScratch(dir: string, mode: number): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(selfIdentity()), { mode });
}

/**
 * The folders under TMPDIR whose names start with `prefix` and whose owner file names a process
 * that is gone. One without an owner file (not ours, or being made) is left out; never throws.
 */
export function orphanedScratch(prefix: string): Array<{ dir: string; owner: ProcessIdentity }> {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const dir = join(tmpdir(), n);
    try {
      const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as ProcessIdentity;
      return isGone(owner) ? [{ dir, owner }] : [];
    } catch {
      return [];
    }
  });
}
