// Under cron (stdin, stdout and stderr not terminals): a night that went well prints nothing and
// exits 0, so cron mails nothing; --summary prints one line; the cron siblings (status --notify,
// check, drill, report --output) are quiet too. A failing host prints, in a few short lines, the
// host, the step and the error, never a command line; the log file keeps every detail.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('cron mode', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
  });

  const dataSource = () => {
    const source = makeTempDir('main-server-');
    mkdirSync(join(source, 'sub'));
    for (let i = 0; i < 20; i++) writeFileSync(join(source, 'sub', `file-${i}.txt`), `data ${i}\n`);
    return source;
  };

  it('a healthy night and its siblings print nothing and exit 0', async () => {
    const cfg = await writeTestConfig({
      global: { checks: { repository: 'never', archives: 'never' } },
      hosts: [{ name: 'up', server, sources: [{ name: 'data', kind: 'data', path: dataSource() }] }],
    });
    const cron = { cron: true, timeoutMs: 100_000 };

    const run = await runCli(['--config', cfg.configPath, 'run'], cron);
    expect({ exit: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({ exit: 0, stdout: '', stderr: '' });
    // The details are in the log file: the run, its rsync and borg commands.
    const logs = readdirSync(join(cfg.stateDir, 'logs')).map((f) => readFileSync(join(cfg.stateDir, 'logs', f), 'utf8')).join('');
    expect(logs).toContain('run finished');
    expect(logs).toMatch(/rsync/);

    const summary = await runCli(['--config', cfg.configPath, 'run', '--summary'], cron);
    expect(summary.exitCode, summary.stderr).toBe(0);
    expect(summary.stderr).toBe('');
    expect(summary.stdout).toBe('pullback run OK: up OK');

    for (const args of [['status', '--notify'], ['check'], ['drill', '--sample', '3'], ['report', '--format', 'html', '--output', join(cfg.dir, 'report.html')]]) {
      const r = await runCli(['--config', cfg.configPath, ...args], cron);
      expect({ args, exit: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, exit: 0, stdout: '', stderr: '' });
    }
    expect(readFileSync(join(cfg.dir, 'report.html'), 'utf8')).toContain('<html');
  }, 400_000);

  it('a failing host prints its host, step and error in a few short lines and exits 1', async () => {
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 1, backoff: '1s' } },
      hosts: [
        { name: 'up', server, sources: [{ name: 'data', kind: 'data', path: dataSource() }] },
        { name: 'down', server: down, sources: [{ name: 'data', kind: 'data', path: dataSource() }] },
      ],
    });
    const run = await runCli(['--config', cfg.configPath, 'run'], { cron: true, timeoutMs: 100_000 });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^pullback run FAILED: 1 of 2 host\(s\) did not succeed \(details: .*\/logs\/pullback-\d{4}-\d{2}-\d{2}\.log\)$/);
    expect(lines).toContain('down: FAILED');
    expect(run.stderr).toMatch(/^ {2}step pull \(source data\) failed: .*connection refused/im);
    expect(run.stderr).not.toMatch(/^up:/m);
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(320);
    expect(run.stderr).not.toMatch(/--numeric-ids|-e ssh|rsync -/);
  });
});
