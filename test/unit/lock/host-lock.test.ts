// The per-host job lock: free or stale locks are taken at once, a live holder is waited for
// (and named) until it goes, the wait bound or an abort.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostLockFile, hostLockHolder, takeHostLock, waitForHostLock } from '../../../src/lock/host-lock.js';
import { makeTempDir } from '../../harness/index.js';

function holdAs(stateDir: string, pid: number, what: string): string {
  const file = hostLockFile(stateDir, 'main');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${pid}\n${what}\n`);
  return file;
}

describe('host lock', () => {
  it('is taken when free, names its holder, and is released', async () => {
    const state = makeTempDir('host-lock-');
    const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 });
    expect(out.waited).toBe(false);
    expect(readFileSync(hostLockFile(state, 'main'), 'utf8')).toBe(`${process.pid}\nnightly run 3 of main\n`);
    out.lock.release();
    expect(existsSync(hostLockFile(state, 'main'))).toBe(false);
  });

  it('refuses a restore while a live job holds the host, naming it', () => {
    const state = makeTempDir('host-lock-');
    const file = holdAs(state, process.pid, 'nightly run 3 of main');
    expect(() => takeHostLock(state, 'main', 'restore onto main')).toThrow(`nightly run 3 of main is running (PID ${process.pid}, lock ${file}); refusing to start restore onto main`);
  });

  it('takes over the lock of a dead process', async () => {
    const state = makeTempDir('host-lock-');
    const dead = spawnSync('true').pid!;
    holdAs(state, dead, 'restore onto main');
    expect(hostLockHolder(state, 'main')).toBeUndefined();
    const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 });
    expect(out.tookOverFromPid).toBe(dead);
    out.lock.release();
  });

  it('waits for a live holder and takes the lock once it is gone', async () => {
    const state = makeTempDir('host-lock-');
    const file = holdAs(state, process.pid, 'restore onto main');
    const seen: string[] = [];
    const out = await waitForHostLock(state, 'main', 'nightly run 3 of main', {
      maxWaitMs: 60_000,
      pollMs: 5,
      onWait: (holder) => {
        seen.push(holder);
        rmSync(file); // the restore finishes
      },
    });
    expect(seen).toEqual([`restore onto main (PID ${process.pid})`]);
    expect(out.waited).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('nightly run 3 of main');
    out.lock.release();
  });

  it('gives up after the bound, or when aborted, naming the holder', async () => {
    const state = makeTempDir('host-lock-');
    holdAs(state, process.pid, 'restore onto main');
    await expect(waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 0 })).rejects.toThrow(
      `not backed up: restore onto main (PID ${process.pid}) still held main after waiting 0s (restore_wait)`,
    );
    const ac = new AbortController();
    const waiting = waitForHostLock(state, 'main', 'nightly run 3 of main', { maxWaitMs: 60_000, signal: ac.signal, onWait: () => ac.abort() });
    await expect(waiting).rejects.toThrow(`interrupted while waiting for restore onto main (PID ${process.pid}) to release main`);
  });
});
