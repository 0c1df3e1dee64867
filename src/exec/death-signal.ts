// Children die with pullback even when pullback is SIGKILLed and cannot stop them itself: each is
// started through util-linux `setpriv --pdeathsig TERM --`, which asks the kernel (prctl
// PR_SET_PDEATHSIG, kept across exec) to send SIGTERM to the child when the thread that spawned it
// ends. Node spawns from the main thread (libuv's uv_spawn), so that is when the process dies.
// SIGTERM, not SIGKILL: borg then releases its repository lock and rsync removes its temporary file.
// rsync's own ssh gets the same prefix in its -e command (tools/rsync/args.ts), since its parent
// is rsync. Without setpriv (not Linux, no util-linux) children are spawned as they are.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The argv prefix that gives a program SIGTERM when its parent dies ([] when setpriv is not installed). */
export const DEATH_SIGNAL_PREFIX: readonly string[] = findSetpriv() ? ['setpriv', '--pdeathsig', 'TERM', '--'] : [];

/**
 * `file args` started through the death-signal prefix: the program and argv to spawn. `file` is
 * looked up on `path` (or against `cwd`) first, so a missing program still fails to spawn (ENOENT) rather than
 * making setpriv exit 127; undefined when it is not there.
 */
export function withDeathSignal(file: string, args: readonly string[], path: string | undefined, cwd?: string): [string, string[]] | undefined {
  if (DEATH_SIGNAL_PREFIX.length === 0) return [file, [...args]];
  const program = file.includes('/') ? (executable(resolve(cwd ?? '.', file)) ? resolve(cwd ?? '.', file) : undefined) : onPath(file, path);
  if (program === undefined) return undefined;
  const [first, ...rest] = [...DEATH_SIGNAL_PREFIX, program, ...args];
  return [first!, rest];
}

function findSetpriv(): boolean {
  return onPath('setpriv', process.env.PATH) !== undefined;
}

function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
