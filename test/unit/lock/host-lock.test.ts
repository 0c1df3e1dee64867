// The per-host job lock: free locks (and those whose holder died) are taken at once, a live holder
// is waited for (and named) until it goes, the wait bound or an abort. Holders here are this very
// process (a second connection is refused like another process would be).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostLockFile, hostLockHolder, takeHostLock, waitForHostLock } from '../../../src/lock/host-lock.js';
import { holderFile, tryLock, type HeldLock } from '../../../src/lock/run-lock.js';
import { makeTempDir } from '../../harness/index.js';

/** Holds the host's lock in this process as `what`. */
function holdAs(stateDir: string, what: string): { file: string; lock: HeldLock } {
  const file = hostLockFile(stateDir, 'main');
  const out = tryLock(file, what);
  if (!('lock' in out)) throw new Error('lock unexpectedly held');
  return { file, lock: out.lock };
}

/** What a holder that died without releasing leaves: its description beside a lock nobody holds. */
function leftBy(stateDir: string, pid: number, what: string): void {
  const file = hostLockFile(stateDir, 'main');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(holderFile(file), `${pid}\n${what}\n`);
}

describe('host lock', () => {
  it('is taken when free, names its holder, and is released', async () => {
    const state = makeTempDir('host-lock-');
    const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 });
    expect(out.waited).toBe(false);
    expect(readFileSync(holderFile(hostLockFile(state, 'main')), 'utf8')).toBe(`${process.pid}\nnightly run 3 of main\n`);
    expect(hostLockHolder(state, 'main')).toBeUndefined(); // our own
    out.lock.release();
    expect(existsSync(holderFile(hostLockFile(state, 'main')))).toBe(false);
    const again = await waitForHostLock(state, 'main', 'restore onto main', { maxWaitMs: 0 });
    expect(again.tookOverFromPid).toBeUndefined();
    again.lock.release();
  });

  it('refuses a restore while a live job holds the host, naming it', () => {
    const state = makeTempDir('host-lock-');
    const { file, lock } = holdAs(state, 'nightly run 3 of main');
    expect(() => takeHostLock(state, 'main', 'restore onto main')).toThrow(`nightly run 3 of main is running (PID ${process.pid}, lock ${file}); refusing to start restore onto main`);
    lock.release();
  });

  it('takes over the lock of a dead process', async () => {
    const state = makeTempDir('host-lock-');
    const dead = spawnSync('true').pid!;
    leftBy(state, dead, 'restore onto main');
    expect(hostLockHolder(state, 'main')).toBeUndefined();
    const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 });
    expect(out.tookOverFromPid).toBe(dead);
    out.lock.release();
  });

  it('waits for a live holder and takes the lock once it is gone', async () => {
    const state = makeTempDir('host-lock-');
    const { file, lock } = holdAs(state, 'restore onto main');
    const seen: string[] = [];
    const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', {
      maxWaitMs: 60_000,
      pollMs: 5,
      onWait: (holder) => {
        seen.push(holder);
        lock.release(); // the restore finishes
      },
    });
    expect(seen).toEqual([`restore onto main (PID ${process.pid})`]);
    expect(out.waited).toBe(true);
    expect(readFileSync(holderFile(file), 'utf8')).toContain('nightly run 3 of main');
    out.lock.release();
  });

  it('gives up after the bound, or when aborted, naming the holder', async () => {
    const state = makeTempDir('host-lock-');
    const { lock } = holdAs(state, 'restore onto main');
    await expect(waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 })).rejects.toThrow(
      `not backed up: restore onto main (PID ${process.pid}) still held main after waiting 0s (restore_wait)`,
    );
    const ac = new AbortController();
    const waiting = waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 60_000, signal: ac.signal, onWait: () => ac.abort() });
    await expect(waiting).rejects.toThrow(`interrupted while waiting for restore onto main (PID ${process.pid}) to release main`);
    lock.release();
  });

  it('is taken at once when the recorded PID belongs to a live unrelated process (a reused PID)', async () => {
    const state = makeTempDir('host-lock-');
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      leftBy(state, unrelated.pid!, 'nightly run 2 of main');
      expect(hostLockHolder(state, 'main')).toBeUndefined();
      const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 });
      expect(out.waited).toBe(false);
      expect(out.tookOverFromPid).toBe(unrelated.pid);
      out.lock.release();
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  it('lets exactly one of many simultaneous takers win', () => {
    const state = makeTempDir('host-lock-');
    const outs = Array.from({ length: 20 }, (_, i) => tryLock(hostLockFile(state, 'main'), `job ${i}`));
    const winners = outs.filter((o) => 'lock' in o);
    expect(winners).toHaveLength(1);
    for (const o of outs) if (!('lock' in o)) expect(o).toEqual({ holder: 'job 0', pid: process.pid });
    (winners[0] as { lock: HeldLock }).lock.release();
  });
});
