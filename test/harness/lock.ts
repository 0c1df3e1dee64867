// A pullback lock held by another process (the built dist/lock/run-lock.js), for tests that need a
// live holder: it holds until killed, and the kernel drops the lock with it.
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';
import { registerCleanup } from './cleanup.js';

export interface LockHolderProcess {
  pid: number;
  /** Kills the holder with `signal` (default SIGKILL: no clean-up runs) and waits for it to be gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const HOLD = `
const { tryLock } = await import(process.env.PULLBACK_LOCK_MODULE);
const out = tryLock(process.env.PULLBACK_LOCK_FILE, process.env.PULLBACK_LOCK_WHAT);
if (!('lock' in out)) { console.log('busy'); process.exit(1); }
console.log('held');
setInterval(() => {}, 1 << 30);
`;

/** Starts a process holding the lock at `file` as `what`; resolves once it holds it. */
export async function holdLockInChild(file: string, what: string): Promise<LockHolderProcess> {
  const child = execa(process.execPath, ['--input-type=module', '-e', HOLD], {
    env: { PULLBACK_LOCK_MODULE: join(REPO_ROOT, 'dist', 'lock', 'run-lock.js'), PULLBACK_LOCK_FILE: file, PULLBACK_LOCK_WHAT: what },
    reject: false,
    buffer: false,
  }) as ResultPromise;
  const first = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before holding ${file}`)));
  });
  if (first !== 'held') throw new Error(`lock holder could not take ${file}: ${first}`);
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await child;
  };
  registerCleanup(() => kill());
  return { pid: child.pid!, kill };
}
