// A night stopped (SIGTERM) while its borg check runs: the check did not fail, it was interrupted. The
// check history says so ('interrupted': status stays red until a check passes), and a restore is not
// refused as "the repository is damaged" with `pullback check --repair` (which zero-fills what it
// cannot read) as the next step. Found by the soak (docs/soak.md, defect 5: seed 101, night 7).
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, makeTempDir, processes, programOf, queryCatalog, registerPid, runCli, startSshd, waitFor, writeTestConfig } from '../../harness/index.js';

describe('a night interrupted during its borg check', () => {
  it('records the check interrupted, not failed, and a restore is not refused as damaged', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    mkdirSync(join(root, 'data'));
    // Enough files that borg check of the archives takes a moment to catch.
    for (let i = 0; i < 400; i++) writeFileSync(join(root, 'data', `f-${i}.txt`), `file ${i}\n`.repeat(50));
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: join(root, 'data') }] }] });
    const run = (...extra: string[]) => runCli(['--config', cfg.configPath, ...extra]);
    const first = await run('run');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    writeFileSync(join(root, 'data', 'new.txt'), 'new\n');

    const repo = cfg.repoPath('main');
    const night = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'run'], { reject: false, cwd: REPO_ROOT, stdin: 'ignore', env: { NO_COLOR: '1' } });
    registerPid(night.pid!);
    await waitFor('the night\'s borg check', () => processes().some((p) => programOf(p) === 'borg' && p.argv.includes('check') && p.argv.some((a) => a.startsWith(repo))), 120_000);
    night.kill('SIGTERM');
    const stopped = await night;
    expect(stopped.exitCode, stopped.stdout + stopped.stderr).not.toBe(0);

    const history = queryCatalog<{ kind: string; status: string }>(cfg.stateDir, "SELECT kind, status FROM check_history WHERE kind IN ('repository', 'archives')");
    expect(history.length).toBeGreaterThan(0);
    expect(history.filter((h) => h.status === 'failed')).toEqual([]);
    expect(queryCatalog(cfg.stateDir, 'SELECT kind FROM check_damage')).toEqual([]);

    const status = await run('status');
    expect(status.exitCode, status.stdout).toBe(1);
    const dry = await run('restore', '--host', 'main', '--dry-run');
    expect(dry.stdout).not.toContain('the repository is damaged');
    expect(dry.stdout).toMatch(/PASS\s+recorded checks of /);
    await server.stop();
  });
});
