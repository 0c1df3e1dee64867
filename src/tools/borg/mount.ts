// `borg mount` / `borg umount`: a host's archives as a read-only filesystem (FUSE). borg runs in the
// background once mounted; where FUSE is not there (no /dev/fuse, no fusermount, borg built without
// llfuse or pyfuse3) the reason is said before borg is asked, in words an operator can act on.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { JobError } from '../../errors.js';
import { LOCK_WAIT } from './flags.js';
import { borgFailure, runBorg, type BorgContext } from './run.js';

/** `borg mount` of one archive, or of the archives matching `glob` (one folder each); `dir` absolute. */
export function buildMountArgs(repo: string, dir: string, o: { archive?: string; glob?: string }): string[] {
  return ['mount', ...LOCK_WAIT, ...(o.archive === undefined && o.glob ? ['--glob-archives', o.glob] : []), o.archive === undefined ? repo : `${repo}::${o.archive}`, dir];
}

export function buildUmountArgs(dir: string): string[] {
  return ['umount', dir];
}

function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why FUSE mounts cannot work on this machine, or undefined when they may. */
export function fuseProblem(): string | undefined {
  if (!existsSync('/dev/fuse')) return 'FUSE is not available on this machine (/dev/fuse is missing: load the fuse module, or give a container --device /dev/fuse --cap-add SYS_ADMIN)';
  if (!onPath('fusermount') && !onPath('fusermount3')) return 'FUSE is not available on this machine (no fusermount or fusermount3: install the fuse3 package)';
  return undefined;
}

const NO_FUSE = /no FUSE support|borg mount not available|llfuse|pyfuse3/i;

/** Mounts; throws JobError with the reason when FUSE is not there, ToolError when borg fails otherwise. */
export async function mountArchives(ctx: BorgContext, repo: string, dir: string, o: { archive?: string; glob?: string }): Promise<void> {
  const problem = fuseProblem();
  if (problem) throw new JobError(`${problem}; browse with pullback ls and pullback find, or extract with pullback restore --path ... --into DIR`);
  const out = await runBorg(ctx, buildMountArgs(repo, dir, o), { quiet: true });
  if (out.verdict.kind !== 'failed') return;
  const said = out.result.stderrTail.join('\n');
  if (NO_FUSE.test(said)) throw new JobError('borg on this machine was installed without FUSE support (llfuse or pyfuse3, e.g. the python3-llfuse package); browse with pullback ls and pullback find, or extract with pullback restore --path ... --into DIR');
  throw borgFailure(out, `borg mount of ${repo}`);
}

/** Unmounts `dir`; throws ToolError. */
export async function unmountArchives(ctx: BorgContext, dir: string): Promise<void> {
  const out = await runBorg(ctx, buildUmountArgs(dir), { quiet: true });
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg umount ${dir}`);
}
