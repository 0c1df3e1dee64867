// Lock files: the run lock (one `pullback run` at a time per state directory) and the per-host job
// locks (host-lock.ts). A lock file holds the owner's PID and what it is doing; a lock whose PID is
// dead is stale and taken over with a warning.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { JobError } from '../errors.js';

export interface HeldLock {
  file: string;
  release(): void;
}

export interface LockOutcome {
  lock: HeldLock;
  /** Set when a stale lock of a dead process was taken over. */
  tookOverFromPid?: number;
}

/** A live process holding a lock: what it said it was doing, and its PID. */
export interface LockHeld {
  holder: string;
  pid: number;
}

/** Takes the lock at `file` or throws a JobError naming the PID that holds it. */
export function acquireLock(file: string, what: string): LockOutcome {
  const out = tryLock(file, what);
  if ('lock' in out) return out;
  throw new JobError(`${out.holder} is running (PID ${out.pid}, lock ${file}); refusing to start ${what}`);
}

/** Takes the lock at `file` when it is free or stale; otherwise says who holds it. Never waits. */
export function tryLock(file: string, what: string): LockOutcome | LockHeld {
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n${what}\n`);
      closeSync(fd);
      return { lock: held(file) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = readPid(file);
    if (pid !== undefined && isAlive(pid)) return { holder: readHolder(file) ?? `another ${what}`, pid };
    // Stale: replace it atomically enough for our purposes (single backup host, cron-driven).
    rmSync(file, { force: true });
    if (attempt === 0) {
      const out = tryLock(file, what);
      return 'lock' in out ? { ...out, tookOverFromPid: pid ?? -1 } : out;
    }
  }
  throw new JobError(`cannot take the lock ${file}`);
}

/** The live holder of the lock at `file` ("restore onto x (PID n)"), or undefined when it is free or stale. */
export function lockHolder(file: string): string | undefined {
  const pid = readPid(file);
  if (pid === undefined || !isAlive(pid) || pid === process.pid) return undefined;
  return `${readHolder(file) ?? 'another pullback'} (PID ${pid})`;
}

function held(file: string): HeldLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  };
  process.once('exit', release);
  return { file, release };
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** What the holder said it was doing (second line of the lock file). */
function readHolder(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[1]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
