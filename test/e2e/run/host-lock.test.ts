// A nightly run and a restore onto the same host never overlap: both hold the host's lock for
// their whole duration. A restore (or a rollback) started while the run is on the host is refused
// (naming the run); a run started while a restore holds the host waits and backs up after it.
// (A hung-up terminal stopping a restore: host-lock-hangup.) Steps are held open with fifos
// (host-lock-setup).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLockWorld, type HostLockWorld } from './host-lock-setup.js';

let world: HostLockWorld;
let dir: string;
let data: string;
const fifo = (name: string) => world.fifo(name);
const cli = (...args: string[]) => world.cli(...args);
const mkfifo = (name: string) => world.mkfifo(name);
const release = (name: string) => world.release(name);
const query = <T>(sql: string, ...params: unknown[]) => world.query<T>(sql, ...params);
const until = (what: string, ok: () => boolean) => world.until(what, ok);
const background = (...args: string[]) => world.background(...args);
const running = (step: string) => world.running(step);
const restoreStepRunning = (kind: string) => world.restoreStepRunning(kind);

beforeAll(async () => {
  world = await hostLockWorld();
  ({ dir, data } = world);
});

afterAll(async () => {
  await world?.close();
});

describe('the per-host lock of runs and restores', () => {
  it('refuses a restore while pullback run is on the host, naming the run; a dry run warns', async () => {
    await mkfifo('gate');
    const run = background('run');
    try {
      await until('the run is pulling main', running('pull'));
      const runId = query<{ id: number }>("SELECT id FROM runs WHERE kind = 'run' ORDER BY id DESC LIMIT 1")[0]!.id;
      const r = await cli('restore', '--host', 'main', '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`nightly run ${runId} of main is running (PID ${run.child.pid}`);
      expect(r.stderr).toContain('refusing to start restore onto main');
      expect(query('SELECT 1 FROM restores')).toEqual([]);
      expect(existsSync(join(dir, 'started'))).toBe(false);
      const dry = await cli('restore', '--host', 'main', '--dry-run');
      expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`WARN  no other job on main: nightly run ${runId} of main (PID ${run.child.pid}) holds the host: a restore now would be refused`);
    } finally {
      await release('gate.held');
    }
    const done = await run.child;
    expect(done.exitCode, String(done.stdout) + run.stderr()).toBe(0);
  });

  it('makes a run started during a restore wait for it, then back up the restored state', async () => {
    writeFileSync(join(data, 'a.txt'), 'damaged\n');
    await mkfifo('hold');
    const restore = background('restore', '--host', 'main', '--yes');
    await until('the restore is in stop_writes', restoreStepRunning('stop_writes'));
    const run = background('run');
    await until('the run says it waits for the restore', () => run.stderr().includes(`waiting for restore onto main (PID ${restore.child.pid}) to finish with main`));
    const runId = query<{ id: number }>("SELECT id FROM runs WHERE kind = 'run' ORDER BY id DESC LIMIT 1")[0]!.id;
    // Only the free-space preflight, which measures every filesystem before any host starts, has run.
    expect(query('SELECT step FROM steps WHERE run_id = ?', runId)).toEqual([{ step: 'disk_space' }]);
    await release('hold');
    const restored = await restore.child;
    expect(restored.exitCode, String(restored.stdout) + restore.stderr()).toBe(0);
    const done = await run.child;
    expect(done.exitCode, String(done.stdout) + run.stderr()).toBe(0);
    const [rest] = query<{ ended_at: string }>('SELECT ended_at FROM restores ORDER BY id DESC LIMIT 1');
    const [pull] = query<{ started_at: string }>("SELECT started_at FROM steps WHERE run_id = ? AND step = 'pull'", runId);
    expect(pull!.started_at > rest!.ended_at, `${pull!.started_at} after ${rest!.ended_at}`).toBe(true);
    rmSync(fifo('hold'));
  });

  it('refuses a rollback while pullback run is on the host, like a restore', async () => {
    const [restore] = query<{ id: number }>("SELECT id FROM restores WHERE status = 'ok' AND snapshot_archive IS NOT NULL ORDER BY id DESC LIMIT 1");
    await mkfifo('gate');
    const run = background('run');
    try {
      await until('the run is pulling main', running('pull'));
      const r = await cli('restore', '--rollback', String(restore!.id), '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`nightly run \\d+ of main is running \\(PID ${run.child.pid}, .*refusing to start rollback onto main`));
      expect(query('SELECT 1 FROM restores WHERE rollback_of = ?', restore!.id)).toEqual([]);
    } finally {
      await release('gate.held');
    }
    const done = await run.child;
    expect(done.exitCode, String(done.stdout) + run.stderr()).toBe(0);
  });
});
