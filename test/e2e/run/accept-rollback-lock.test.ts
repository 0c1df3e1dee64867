// Issue 22 leftover: `pullback repo accept-rollback` holds the host's job lock like a restore. A
// night (or a restore) holding the host makes it refuse with nothing changed; a night started while
// it holds the host waits for it (up to restore_wait) and never runs beside it.
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, holdLockInChild, makeTempDir, queryCatalog, registerCleanup, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

/** Cuts the highest-numbered segment file of `repo` to a third of its size: what a crash mid-write leaves. */
function truncateLastSegment(repo: string): void {
  const data = join(repo, 'data');
  const dirs = readdirSync(data).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
  const dir = join(data, dirs.at(-1)!);
  const segments = readdirSync(dir).filter((f) => /^\d+$/.test(f)).sort((a, b) => Number(a) - Number(b));
  const file = join(dir, segments.at(-1)!);
  truncateSync(file, Math.floor(statSync(file).size / 3));
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('repo accept-rollback and the host lock', () => {
  it('refuses while a night holds the host, and a night waits for it instead of overlapping', async () => {
    const server = await startSshd();
    registerCleanup(() => server.stop());
    const root = makeTempDir('main-server-');
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'a.txt'), 'a\n');
    const cfg = await writeTestConfig({
      global: { restore_wait: '2s', checks: { repository: 'never', archives: 'never' } },
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: join(root, 'data') }] }],
    });
    const run = (...extra: string[]) => runCli(['--config', cfg.configPath, ...extra]);
    for (const file of ['b.txt', 'c.txt']) {
      const night = await run('run');
      expect(night.exitCode, night.stderr + night.stdout).toBe(0);
      writeFileSync(join(root, 'data', file), `${file}\n`);
    }
    truncateLastSegment(cfg.repoPath('main'));
    const lost = () => queryCatalog<{ n: number }>(cfg.stateDir, 'SELECT count(*) AS n FROM archives WHERE lost_at IS NOT NULL')[0]!.n;
    const timestamps = () => readdirSync(join(cfg.stateDir, 'borg', 'security')).filter((id) => existsSync(join(cfg.stateDir, 'borg', 'security', id, 'manifest-timestamp')));
    expect(timestamps()).toHaveLength(1);

    // A night holding the host: refused, naming it, and nothing changed.
    const night = await holdLockInChild(join(cfg.stateDir, 'locks', 'host-main.lock'), 'nightly run 9 of main');
    const refused = await run('repo', 'accept-rollback', '--host', 'main', '--yes');
    await night.kill();
    expect(refused.exitCode, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`pullback: nothing changed: nightly run 9 of main is running (PID ${night.pid}`);
    expect(refused.stderr).toContain('refusing to start accept-rollback of main; run `pullback repo accept-rollback --host main` again once it has finished');
    expect(lost()).toBe(0);
    expect(timestamps()).toHaveLength(1);

    // accept-rollback waiting at its question holds the host: a night started meanwhile waits, then fails that host naming it.
    let shown = '';
    const asking = execa('python3', [join(REPO_ROOT, 'test/harness/pty-record.py'), process.execPath, CLI_PATH, '--config', cfg.configPath, 'repo', 'accept-rollback', '--host', 'main'], {
      reject: false,
      buffer: false,
      env: { NO_COLOR: '1', PULLBACK_CONFIG: undefined },
      cwd: REPO_ROOT,
    });
    registerCleanup(async () => {
      asking.kill('SIGKILL');
      await asking;
    });
    asking.stdout!.on('data', (b: Buffer) => (shown += b.toString()));
    await until('accept-rollback asks for confirmation', () => shown.includes('Accept repository'));
    const waited = await run('run');
    expect(waited.exitCode, waited.stdout + waited.stderr).toBe(1);
    expect(waited.stdout).toMatch(/main: not backed up: accept-rollback of main \(PID \d+\) still held main after waiting 2s \(restore_wait\)/);
    expect(waited.stderr).toContain('waiting for accept-rollback of main');
    asking.kill('SIGTERM');
    await asking;
    expect(lost()).toBe(0);

    const accepted = await run('repo', 'accept-rollback', '--host', 'main', '--yes');
    expect(accepted.exitCode, accepted.stdout + accepted.stderr).toBe(0);
    expect(lost()).toBe(1);
    const next = await run('run');
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
  });
});
