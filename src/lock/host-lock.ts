// The per-host job lock: a nightly run on a host and a restore or rollback onto it hold the same
// lock file for their whole duration, so a backup never archives (and prunes against) a
// half-restored host and a restore never rewrites a host while it is being pulled. The second one
// waits (the nightly run, up to global restore_wait) or refuses (a restore: an operator is there).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobError } from '../errors.js';
import { humanDuration } from '../util/table.js';
import { acquireLock, lockHolder, tryLock, type LockOutcome } from './run-lock.js';

const POLL_MS = 1000;

/** `<state_dir>/locks/host-<host>.lock`. */
export function hostLockFile(stateDir: string, host: string): string {
  return join(stateDir, 'locks', `host-${host}.lock`);
}

/** Takes the host's lock for `what` or throws a JobError naming the job that holds it. */
export function takeHostLock(stateDir: string, host: string, what: string): LockOutcome {
  return acquireLock(hostLockFile(stateDir, host), what);
}

/** The live job holding the host ("nightly run 4 of main (PID n)"), or undefined. */
export function hostLockHolder(stateDir: string, host: string): string | undefined {
  return lockHolder(hostLockFile(stateDir, host));
}

export interface WaitOptions {
  maxWaitMs: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** Called when waiting starts, and again whenever the holder changes. */
  onWait?: (holder: string) => void;
}

/**
 * Takes the host's lock for `what`, waiting while another live job holds it. Throws a JobError
 * naming the holder after `maxWaitMs`, or when `signal` aborts the wait.
 */
export async function waitForHostLock(stateDir: string, host: string, what: string, o: WaitOptions): Promise<LockOutcome & { waited: boolean }> {
  const file = hostLockFile(stateDir, host);
  const started = Date.now();
  let announced: string | undefined;
  for (;;) {
    const out = tryLock(file, what);
    if ('lock' in out) return { ...out, waited: announced !== undefined };
    const holder = `${out.holder} (PID ${out.pid})`;
    if (holder !== announced) o.onWait?.(holder);
    announced = holder;
    const left = o.maxWaitMs - (Date.now() - started);
    if (left <= 0) throw new JobError(`not backed up: ${holder} still held ${host} after waiting ${humanDuration(o.maxWaitMs)} (restore_wait); lock ${file}`);
    try {
      await sleep(Math.min(o.pollMs ?? POLL_MS, left), undefined, { signal: o.signal });
    } catch {
      throw new JobError(`interrupted while waiting for ${holder} to release ${host}`);
    }
  }
}
