// `pullback check`: passes on a healthy repository; `--verify-data` fails (exit 1) once a segment is damaged.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { corruptLargestSegment, freePort, makeTempDir, runBorg, runCli, writeTestConfig } from '../../harness/index.js';

describe('pullback check', () => {
  it('passes on a healthy repository, and --verify-data exits 1 after a segment is damaged', async () => {
    const offline = { address: '127.0.0.1', port: await freePort('127.0.0.1'), user: 'nobody' };
    const cfg = await writeTestConfig({
      hosts: ['main', 'fresh'].map((name) => ({ name, server: offline, sources: [{ name: 'data', kind: 'data' as const, path: '/srv' }] })),
    });
    const repo = cfg.repoPath('main');
    const content = makeTempDir('content-');
    mkdirSync(join(content, 'data'));
    writeFileSync(join(content, 'data', 'random.bin'), randomBytes(2 * 1024 * 1024));
    await runBorg(['init', '--encryption', 'repokey-blake2', '--make-parent-dirs', repo], cfg.passphraseFile);
    await runBorg(['create', '--compression', 'none', `${repo}::main-20240101T000000Z`, 'data'], cfg.passphraseFile, content);

    const plain = await runCli(['--config', cfg.configPath, 'check', '--host', 'main']);
    expect(plain.exitCode, plain.stderr + plain.stdout).toBe(0);
    expect(plain.stdout).toMatch(/^main\s+OK/m);
    const healthy = await runCli(['--config', cfg.configPath, 'check', '--host', 'main', '--verify-data']);
    expect(healthy.exitCode, healthy.stderr + healthy.stdout).toBe(0);
    expect(healthy.stdout).toMatch(/^main\s+OK/m);

    corruptLargestSegment(repo);
    const damaged = await runCli(['--config', cfg.configPath, 'check', '--host', 'main', '--verify-data']);
    expect(damaged.exitCode, damaged.stderr + damaged.stdout).toBe(1);
    expect(damaged.stdout).toMatch(/^main\s+FAILED\s+borg check --verify-data of .* found problems/m);

    // A host never archived: check fails saying so; prune has nothing to do (and does not fail).
    const [check, prune] = await Promise.all([
      runCli(['--config', cfg.configPath, 'check', '--host', 'fresh']),
      runCli(['--config', cfg.configPath, 'prune', '--host', 'fresh']),
    ]);
    expect(check.exitCode, check.stderr).toBe(1);
    expect(check.stdout).toMatch(/^fresh\s+FAILED\s+no repository at .*: fresh has never been archived/m);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(prune.stdout).toMatch(/^fresh\s+SKIPPED\s+no repository at .* yet: nothing to prune/m);

    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const history = db.prepare('SELECT kind, status FROM check_history ORDER BY kind').all();
    db.close();
    expect(history).toEqual([
      { kind: 'archives', status: 'failed' },
      { kind: 'data', status: 'failed' },
      { kind: 'repository', status: 'failed' },
    ]);
  });
});
