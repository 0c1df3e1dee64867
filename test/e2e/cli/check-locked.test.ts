// A check that never got the repository's lock (another borg held it past --lock-wait) checked
// nothing: the check history records it 'interrupted', not 'failed', and a restore's checklist does
// not call the repository damaged or send the operator to `check --repair` (which zero-fills what
// borg cannot read) over a lock. Seen by reading the code while fixing the soak's defect 4.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {  processes, programOf, queryCatalog, runCli, startBorg, waitFor, oneFolderHost } from '../../harness/index.js';

describe('a check that could not take the repository lock', () => {
  it('is recorded interrupted, not failed, and a restore is not refused as damaged', async () => {
    const { server, cfg, run } = await oneFolderHost();
    const first = await run('run');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);

    const repo = cfg.repoPath('main');
    const holder = startBorg(['with-lock', repo, 'sleep', '60']);
    await waitFor('borg with-lock holding the lock', () =>
      existsSync(join(repo, 'lock.exclusive')) && processes().some((p) => programOf(p) === 'sleep' && p.argv.includes('60')),
    );
    // pullback waits two minutes for another process's lock; the test shortens the wait to 4 s.
    const check = await runCli(['--config', cfg.configPath, 'check', '--host', 'main'], { env: { PULLBACK_BORG_LOCK_WAIT_SECONDS: '4' } });
    holder.kill('SIGTERM');
    await holder;
    expect(check.exitCode, check.stdout + check.stderr).toBe(1);
    expect(check.stdout + check.stderr).toContain('locked by another borg process');

    // The latest outcome of each kind (one row per repository and kind): the check that never ran.
    const history = queryCatalog<{ kind: string; status: string }>(cfg.stateDir, "SELECT kind, status FROM check_history WHERE kind IN ('repository', 'archives')");
    expect(history.length).toBeGreaterThan(0);
    expect(history.filter((h) => h.status !== 'interrupted')).toEqual([]);
    expect(queryCatalog(cfg.stateDir, 'SELECT kind FROM check_damage')).toEqual([]);

    const dry = await run('restore', '--host', 'main', '--dry-run');
    expect(dry.stdout).not.toContain('the repository is damaged');
    expect(dry.stdout).toMatch(/PASS\s+recorded checks of /);
    await server.stop();
  });
});
