// A restore from a partial archive says so before anything is confirmed (real sshd, rsync, borg,
// PostgreSQL): the plan names the archive as partial and the source that comes from an older
// night (kept from an earlier archive), with how much older it is. The partial archive is made as
// test/e2e/run/partial-archive.test.ts makes one: the data pull fails on an immutable mirror file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPgDatabase, makeTempDir, psql, nightWithLockedMirrorFile, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('restore from a partial archive', () => {
  it('the plan says the archive is partial and which source is kept from an older night, with its age', async () => {
    const server = await startSshd();
    const db = await createPgDatabase('pbpartrestore');
    await psql(db, 'CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 10);');
    const root = makeTempDir('partial-restore-');
    const dumps = join(root, 'dumps');
    const data = join(root, 'data');
    mkdirSync(dumps);
    mkdirSync(data);
    for (const f of ['a.txt', 'locked.txt']) writeFileSync(join(data, f), `${f} v1\n`);
    const cfg = await writeTestConfig({
      hosts: [
        {
          name: 'main',
          server,
          sources: [
            { name: 'db', kind: 'database', path: dumps, dump: { engine: 'postgres', databases: [db], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' } } },
            { name: 'data', kind: 'data', path: data },
          ],
        },
      ],
    });
    const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a], { timeoutMs: 400_000 });
    const first = await cli('run');
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const good = /main-\d{8}T\d{6}Z/.exec(first.stdout)![0];
    for (const f of ['a.txt', 'locked.txt']) writeFileSync(join(data, f), `${f} v2, longer than before\n`);
    const night = await nightWithLockedMirrorFile(cfg, 'main', 'data', 'locked.txt', () => cli('run'));
    expect(night.exitCode, night.stdout + night.stderr).toBe(1);
    const partial = /^main\s+FAILED\s+(main-\d{8}T\d{6}Z) \(partial\)/m.exec(night.stdout)![1]!;

    const r = await cli('restore', '--host', 'main', '--archive', partial, '--dry-run');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`WARNING: ${partial} is a PARTIAL archive (partial: failed data`);
    expect(r.stdout).toMatch(new RegExp(`data: not from this archive's night \\(pull failed\\); it restores its last good state, kept from ${good}, \\d+(s|m\\d{2}s|h\\d{2}m) older than the archive`));
    expect(r.stdout).not.toMatch(/db: not from this archive's night/);
  }, 900_000);
});
