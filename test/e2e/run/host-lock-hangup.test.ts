// SIGHUP (a dropped SSH session) stops a restore like SIGTERM: start_writes runs, the restore is
// recorded interrupted, and the host's lock goes with it. The restore is held in its stop_writes
// hook by a fifo (host-lock-setup).
import { execa } from 'execa';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, type TestConfig } from '../../harness/index.js';
import { hostLockWorld, type HostLockWorld } from './host-lock-setup.js';

let world: HostLockWorld;
let cfg: TestConfig;
let dir: string;
const cli = (...args: string[]) => world.cli(...args);
const mkfifo = (name: string) => world.mkfifo(name);
const letGo = (name: string) => world.letGo(name);
const query = <T>(sql: string, ...params: unknown[]) => world.query<T>(sql, ...params);
const until = (what: string, ok: () => boolean) => world.until(what, ok);
const restoreStepRunning = (kind: string) => world.restoreStepRunning(kind);

beforeAll(async () => {
  world = await hostLockWorld();
  ({ cfg, dir } = world);
});

afterAll(async () => {
  await world?.close();
});

describe('a restore whose terminal hangs up', () => {
  it('stops a restore like SIGTERM when its terminal hangs up (a dropped SSH session)', async () => {
    rmSync(join(dir, 'started'), { force: true });
    await mkfifo('hold');
    const pty = execa('python3', [join(REPO_ROOT, 'test/harness/pty-hangup.py'), process.execPath, CLI_PATH, '--config', cfg.configPath, 'restore', '--host', 'main', '--yes'], { reject: false, timeout: 90_000 });
    await until('the restore is in stop_writes', restoreStepRunning('stop_writes'));
    pty.stdin!.end('hang up\n');
    const r = await pty;
    expect(existsSync(join(dir, 'started')), `${r.stdout}${r.stderr}`).toBe(true);
    const [last] = query<{ id: number; status: string }>('SELECT id, status FROM restores ORDER BY id DESC LIMIT 1');
    expect(last!.status).toBe('interrupted');
    expect(query('SELECT status FROM restore_steps WHERE restore_id = ? AND kind = ?', last!.id, 'start_writes')).toEqual([{ status: 'ok' }]);
    // Nobody is left to read the exit status. Node 20 itself aborts at exit when it cannot reset a
    // hung-up terminal (node::ResetStdio): that is after the work, which is what this test checks.
    expect(['1', '-6']).toContain(String(r.stdout).trim().split('\n').at(-1));
    await letGo('hold');
  });

  it('handles SIGHUP during a restore like SIGTERM, even with the terminal gone', async () => {
    rmSync(join(dir, 'started'), { force: true });
    await mkfifo('hold');
    const child = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'restore', '--host', 'main', '--yes'], { reject: false, stdin: 'ignore', timeout: 90_000 });
    await until('the restore is in stop_writes', restoreStepRunning('stop_writes'));
    child.kill('SIGHUP');
    // The SSH session is gone: nothing reads what the restore prints any more.
    child.stdout!.destroy();
    child.stderr!.destroy();
    const r = await child;
    expect(r.signal, 'the restore must not die of the hangup').toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(existsSync(join(dir, 'started'))).toBe(true);
    const [last] = query<{ id: number; status: string }>('SELECT id, status FROM restores ORDER BY id DESC LIMIT 1');
    expect(last!.status).toBe('interrupted');
    const steps = query<{ kind: string; status: string }>('SELECT kind, status FROM restore_steps WHERE restore_id = ? ORDER BY ord', last!.id);
    expect(steps.map((s) => [s.kind, s.status])).toEqual([
      ['readiness', 'ok'],
      ['stop_writes', 'interrupted'],
      // Steps the interruption kept from running are ended 'skipped' (with the reason), never left pending.
      ['snapshot', 'skipped'],
      ['data', 'skipped'],
      ['verify', 'skipped'],
      ['start_writes', 'ok'],
      ['checks', 'skipped'],
    ]);
    // The lock went with the restore: the next run backs the host up at once.
    const next = await cli('run');
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(next.stderr).not.toContain('waiting for');
  });
});
