// A nightly run never backs up a host while a restore is rewriting it: it waits up to restore_wait,
// then fails that host naming the restore; other hosts go on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdLockInChild, makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('pullback run during a restore', () => {
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => stop?.());

  it('waits up to restore_wait, then fails only the host being restored, naming the restore and its PID', async () => {
    const server = await startSshd();
    stop = () => server.stop();
    const root = makeTempDir('main-');
    for (const d of ['a', 'b']) {
      mkdirSync(join(root, d));
      writeFileSync(join(root, d, 'f.txt'), d);
    }
    const cfg = await writeTestConfig({
      hosts: [
        { name: 'busy', server, sources: [{ name: 'data', kind: 'data', path: join(root, 'a') }] },
        { name: 'calm', server, sources: [{ name: 'data', kind: 'data', path: join(root, 'b') }] },
      ],
      global: { restore_wait: '2s' },
    });
    // A process holding the host's lock stands in for a live restore.
    const restore = await holdLockInChild(join(cfg.stateDir, 'locks', 'host-busy.lock'), 'restore onto busy');
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`busy: not backed up: restore onto busy (PID ${restore.pid}) still held busy after waiting 2s (restore_wait)`);
    expect(r.stderr).toContain(`waiting for restore onto busy (PID ${restore.pid}) to finish with busy before backing it up`);
    await restore.kill();
    expect(r.stdout).toMatch(/calm\s+OK/);
  });
});
