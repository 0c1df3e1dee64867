// Folders of one kind are pushed at once (plan/restore-order.ts restoreWaves). The messy case: one
// of two blobs pushes fails (a folder on the target made immutable). The other blobs push, already
// running beside it, ends restored; the data step after them is never started and its folder stays
// as it was; the output and the catalog say each one's outcome; a rollback puts everything back.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('restore waves', () => {
  const root = makeTempDir('restore-waves-');
  const dir = (n: string) => join(root, n);
  const locked = join(dir('b1'), 'locked');
  afterAll(() => {
    try {
      execFileSync('chattr', ['-i', locked], { stdio: 'ignore' });
    } catch {
      // not locked
    }
  });

  it('pushes two blobs folders at once; one failing stops the data step but not its neighbour', async () => {
    for (const n of ['b1', 'b2', 'data']) {
      mkdirSync(join(dir(n), 'locked'), { recursive: true });
      for (let i = 0; i < 50; i++) writeFileSync(join(dir(n), `f${i}.txt`), `${n} ${i}\n`);
      writeFileSync(join(dir(n), 'locked', 'x.txt'), `${n} x\n`);
    }
    const server = await startSshd();
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'b1', kind: 'blobs', path: dir('b1') }, { name: 'b2', kind: 'blobs', path: dir('b2') }, { name: 'data', kind: 'data', path: dir('data') }] }],
      global: { checks: { repository: 'never', archives: 'never' } },
    });
    const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args]);
    const run = await cli('run');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);

    // Lost since the backup: a file of each folder; b1's is inside a folder nothing may write to.
    for (const n of ['b1', 'b2', 'data']) rmSync(join(dir(n), 'locked', 'x.txt'));
    execFileSync('chattr', ['+i', locked]);
    const r = await cli('restore', '--host', 'main', '--yes');
    execFileSync('chattr', ['-i', locked]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(existsSync(join(dir('b1'), 'locked', 'x.txt'))).toBe(false);
    expect(readFileSync(join(dir('b2'), 'locked', 'x.txt'), 'utf8')).toBe('b2 x\n');
    expect(existsSync(join(dir('data'), 'locked', 'x.txt'))).toBe(false);
    expect(r.stdout).toMatch(/b1/);

    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const steps = db.prepare("SELECT source, status, started_at, ended_at FROM restore_steps WHERE source IS NOT NULL AND restore_id = (SELECT max(id) FROM restores)").all() as Array<{ source: string; status: string; started_at: string | null; ended_at: string | null }>;
    const restore = db.prepare('SELECT id, status FROM restores ORDER BY id DESC LIMIT 1').get() as { id: number; status: string };
    db.close();
    const by = new Map(steps.map((s) => [s.source, s]));
    expect(by.get('b1')?.status).toBe('failed');
    expect(by.get('b2')?.status).toBe('ok');
    expect(by.get('data')?.started_at).toBeNull();
    expect(restore.status).toBe('failed');
    // At once: the second push began before the first one ended.
    expect(Date.parse(by.get('b2')!.started_at!)).toBeLessThan(Date.parse(by.get('b1')!.ended_at!));

    // The rollback puts b2 back as it was before the restore (its file lost again).
    const back = await cli('restore', '--rollback', String(restore.id), '--yes');
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    expect(existsSync(join(dir('b2'), 'locked', 'x.txt'))).toBe(false);
    expect(readFileSync(join(dir('data'), 'f1.txt'), 'utf8')).toBe('data 1\n');
  });
});
