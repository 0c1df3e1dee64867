// A night refused by the configuration (issue 22): the borg passphrase file readable by others
// (mode 0644) refuses `pullback run` before anything is done. It used to be printed and nothing
// more, so `status` stayed GREEN while no backup ran. Now the refused night is recorded (a failed
// run, a failed host with the reason, per host it would have run), `status` is red with that
// reason, and the notifiers hear of it as of any failed night; after the fix the next night runs.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borgList, makeTempDir, queryCatalog, runCli, startListener, startSshd, writeTestConfig, type Listener, type SshdServer, type TestConfig } from '../../harness/index.js';

let server: SshdServer;
let cfg: TestConfig;
let hook: Listener;

beforeAll(async () => {
  server = await startSshd();
  hook = await startListener();
  const source = makeTempDir('refused-src-');
  mkdirSync(join(source, 'sub'));
  writeFileSync(join(source, 'sub', 'a.txt'), 'a\n');
  cfg = await writeTestConfig({
    global: {
      checks: { repository: 'never', archives: 'never', data: 'never', drill: 'never' },
      notify: [{ webhook: `${hook.url}/hook`, on: ['failure', 'finish'], timeout: '5s', attempts: 1 }],
    },
    hosts: [
      { name: 'one', server, sources: [{ name: 'data', kind: 'data', path: source }] },
      { name: 'two', server, sources: [{ name: 'data', kind: 'data', path: source }] },
    ],
  });
}, 300_000);

afterAll(async () => {
  await server.stop();
});

const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 300_000 });

describe('a night refused by the configuration', () => {
  it('is recorded as a failed night of every host, makes status red with the reason, and is notified', async () => {
    const good = await cli('run');
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect((await cli('status')).exitCode).toBe(0);
    const archives = await borgList(cfg.repoPath('one'), cfg.passphraseFile);

    chmodSync(cfg.passphraseFile, 0o644);
    const refused = await cli('run');
    // Still the configuration's exit code, and the reason with its fix.
    expect(refused.exitCode, refused.stdout + refused.stderr).toBe(2);
    const why = `borg passphrase file ${cfg.passphraseFile} is mode 0644`;
    expect(refused.stdout).toContain(`one: configuration refused: ${why}`);
    expect(refused.stdout).toContain(`two: configuration refused: ${why}`);
    expect(refused.stdout).toContain(`fix: chmod 600 ${cfg.passphraseFile}`);
    expect(refused.stdout).toMatch(/^one\s+FAILED\s+-/m);
    // Nothing was done: no archive, no pull.
    expect(await borgList(cfg.repoPath('one'), cfg.passphraseFile)).toEqual(archives);

    // Recorded: the run failed, each host failed with the reason, its one step the refusal.
    const [run] = queryCatalog<{ id: number; status: string }>(cfg.stateDir, "SELECT id, status FROM runs WHERE kind = 'run' ORDER BY id DESC LIMIT 1");
    expect(run!.status).toBe('failed');
    const hosts = queryCatalog<{ host: string; status: string; error: string }>(cfg.stateDir, 'SELECT host, status, error FROM host_results WHERE run_id = ? ORDER BY host', run!.id);
    expect(hosts).toEqual(['one', 'two'].map((host) => ({ host, status: 'failed', error: expect.stringContaining(why) })));
    const steps = queryCatalog<{ host: string; step: string; status: string }>(cfg.stateDir, 'SELECT host, step, status FROM steps WHERE run_id = ? ORDER BY host', run!.id);
    expect(steps).toEqual(['one', 'two'].map((host) => ({ host, step: 'preflight', status: 'failed' })));

    // status: red, with the reason.
    const status = await cli('status');
    expect(status.exitCode, status.stdout).toBe(1);
    expect(status.stdout).toMatch(/one.*RED/);
    expect(status.stdout).toContain(`one: last run failed: configuration refused: ${why}`);

    // The notifiers heard of it as of a failed night: a failure event per host and the run's end.
    const events = hook.received.map((r) => JSON.parse(r.body) as { kind: string; host?: string; status: string; errors?: string[] });
    const failures = events.filter((e) => e.kind === 'failure');
    expect(failures.map((e) => e.host).sort()).toEqual(['one', 'two']);
    expect(failures[0]!.errors!.join('\n')).toContain(why);
    expect(events.filter((e) => e.kind === 'finish').map((e) => e.status)).toContain('failed');

    // Fixed: the next night runs and status is green again.
    chmodSync(cfg.passphraseFile, 0o600);
    const fixed = await cli('run');
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    expect((await cli('status')).exitCode).toBe(0);
  }, 600_000);
});
