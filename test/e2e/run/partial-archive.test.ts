// One bad source never costs the others their night (real sshd, rsync, borg, PostgreSQL): when the
// data pull fails half-way, the host still gets an archive with tonight's database dump, marked
// partial, holding the data source's last good state (not the half-updated mirror); no prune runs
// that night; the next good night is a full archive again.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { borgExtract, borgList, createPgDatabase, makeTempDir, psql, runBorg, nightWithLockedMirrorFile, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('a night where one source fails', () => {
  it('archives the database dump and the last good data as a partial archive, and prunes nothing', async () => {
    const server = await startSshd();
    const db = await createPgDatabase('pbpartial');
    await psql(db, 'CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 10);');
    const root = makeTempDir('partial-main-');
    const dumps = join(root, 'dumps');
    const data = join(root, 'data');
    mkdirSync(dumps);
    mkdirSync(data);
    for (const f of ['a.txt', 'b.txt', 'locked.txt']) writeFileSync(join(data, f), `${f} v1\n`);
    const cfg = await writeTestConfig({
      // daily 1: any older nightly archive would be pruned the moment prune runs. The checks run on
      // the first night only (daily): nothing here is about them, and each later night would repeat them.
      global: { retention: { daily: 1, weekly: 0, monthly: 0 }, checks: { repository: 'daily', archives: 'daily' } },
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
    const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a]);
    expect((await cli('run')).exitCode).toBe(0);
    const repo = cfg.repoPath('main');
    const content = makeTempDir('old-content-');
    writeFileSync(join(content, 'x'), 'x');
    await runBorg(['create', '--timestamp', '2020-01-01T00:00:00', `${repo}::main-20200101T000000Z`, 'x'], cfg.passphraseFile, content);
    const before = await borgList(repo, cfg.passphraseFile);
    expect(before).toHaveLength(2);

    // Tonight: new rows, changed files; the mirror's copy of locked.txt cannot be replaced, so
    // rsync updates a.txt and b.txt, then fails (exit 23): a half-updated mirror.
    await psql(db, 'INSERT INTO t SELECT generate_series(11, 25);');
    for (const f of ['a.txt', 'b.txt', 'locked.txt']) writeFileSync(join(data, f), `${f} v2, longer than before\n`);
    const night = await nightWithLockedMirrorFile(cfg, 'main', 'data', 'locked.txt', () => cli('run'));
    expect(night.exitCode, night.stdout + night.stderr).toBe(1);
    expect(night.stdout).toMatch(/^main\s+FAILED\s+main-\d{8}T\d{6}Z \(partial\)/m);
    expect(night.stdout).toMatch(/main: pull of .*data/);
    expect(night.stdout).toMatch(/partial archive main-\d{8}T\d{6}Z: failed data \(pull; last good state from main-\d{8}T\d{6}Z\)/);
    expect(night.stdout).toContain('prune skipped: data failed tonight');

    const after = await borgList(repo, cfg.passphraseFile);
    expect(after.slice(0, 2)).toEqual(before); // nothing pruned
    expect(after).toHaveLength(3);
    const partial = after[2]!;
    const info = await runBorg(['info', '--json', `${repo}::${partial}`], cfg.passphraseFile);
    expect(JSON.parse(info.stdout).archives[0].comment).toMatch(/^partial: failed data/);

    const out = makeTempDir('partial-extract-');
    await borgExtract(repo, partial, out, cfg.passphraseFile);
    // The data source is its last good state, whole: never the half-updated mirror.
    for (const f of ['a.txt', 'b.txt', 'locked.txt']) expect(readFileSync(join(out, 'data', f), 'utf8')).toBe(`${f} v1\n`);
    const manifest = JSON.parse(readFileSync(join(out, '.pullback', 'manifest.json'), 'utf8'));
    expect(manifest.partial.comment).toMatch(/^partial: failed data/);
    const byName = Object.fromEntries(manifest.sources.map((s: { name: string }) => [s.name, s]));
    expect(byName.data).toMatchObject({ status: 'kept', failed: { step: 'pull', keptFrom: before[1] } });
    expect(byName.db.status).toBe('ok');
    // Tonight's dump is in it, with tonight's rows.
    const restored = await createPgDatabase('pbpartial_check');
    execFileSync('pg_restore', ['-h', '127.0.0.1', '-U', 'postgres', '--no-owner', `--dbname=${restored}`, join(out, 'db', byName.db.dumps[0].file)]);
    expect(await psql(restored, 'SELECT count(*) FROM t')).toBe('25');

    // A partial archive is not the host's last success.
    const cat = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const last = cat.prepare("SELECT status, archive FROM host_results ORDER BY id DESC LIMIT 1").get() as { status: string; archive: string };
    cat.close();
    expect(last).toEqual({ status: 'failed', archive: partial });

    // The next night is whole again: it owes a prune (the partial night owed none, so nothing was
    // pruned at this night's start), which the night after pays first thing.
    const next = await cli('run');
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.stdout).not.toContain('(partial)');
    expect(await borgList(repo, cfg.passphraseFile)).toContain('main-20200101T000000Z');
    const after2 = await cli('run');
    expect(after2.exitCode, after2.stdout).toBe(0);
    const final = await borgList(repo, cfg.passphraseFile);
    expect(final).not.toContain('main-20200101T000000Z');
    const whole = makeTempDir('whole-extract-');
    await borgExtract(repo, final.at(-1)!, whole, cfg.passphraseFile, ['data']);
    expect(readFileSync(join(whole, 'data', 'locked.txt'), 'utf8')).toBe('locked.txt v2, longer than before\n');
    await server.stop();
  });
});
