// A source that disappears or comes back empty fails (never wiping the mirror); the host still gets
// a partial archive of what succeeded, with the failed sources' last good state, and no prune.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { borgList, makeTempDir, runBorg, runCli, snapshotTree, startSshd, writeTestConfig } from '../../harness/index.js';

describe('a source that goes missing or empty', () => {
  it('fails the source, keeps the mirror, archives the rest as partial, and skips prune', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const src = { keep: join(root, 'keep'), gone: join(root, 'gone'), emptied: join(root, 'emptied') };
    for (const [name, p] of Object.entries(src)) {
      mkdirSync(join(p, 'sub'), { recursive: true });
      writeFileSync(join(p, 'a.txt'), `${name}\n`);
      writeFileSync(join(p, 'sub', 'b.txt'), `${name} b\n`);
    }
    const cfg = await writeTestConfig({
      // daily 1: any older nightly archive is pruned the moment prune runs.
      global: { retention: { daily: 1, weekly: 0, monthly: 0 } },
      hosts: [
        {
          name: 'main',
          server,
          sources: [
            { name: 'keep', kind: 'data', path: src.keep },
            { name: 'gone', kind: 'data', path: src.gone },
            { name: 'emptied', kind: 'blobs', path: src.emptied },
          ],
        },
      ],
    });
    const first = await runCli(['--config', cfg.configPath, 'run']);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    const repo = cfg.repoPath('main');
    const old = 'main-20200101T000000Z';
    const content = makeTempDir('content-');
    writeFileSync(join(content, 'x'), 'x');
    await runBorg(['create', '--timestamp', '2020-01-01T00:00:00', `${repo}::${old}`, 'x'], cfg.passphraseFile, content);
    const archivesBefore = await borgList(repo, cfg.passphraseFile);
    expect(archivesBefore).toHaveLength(2);
    const mirrors = { gone: snapshotTree(cfg.mirrorPath('main', 'gone')), emptied: snapshotTree(cfg.mirrorPath('main', 'emptied')) };
    expect(Object.keys(mirrors.gone)).toEqual(['a.txt', 'sub', 'sub/b.txt']);

    rmSync(src.gone, { recursive: true });
    rmSync(join(src.emptied, 'a.txt'));
    rmSync(join(src.emptied, 'sub'), { recursive: true });
    writeFileSync(join(src.keep, 'new.txt'), 'new\n');
    const second = await runCli(['--config', cfg.configPath, 'run']);
    expect(second.exitCode, second.stderr + second.stdout).toBe(1);
    expect(second.stdout).toMatch(/^main\s+FAILED\s+main-\d{8}T\d{6}Z \(partial\)/m);
    expect(second.stdout).toMatch(new RegExp(`main: source ${src.gone} does not exist on main; the mirror was left untouched`));
    expect(second.stdout).toMatch(new RegExp(`main: source ${src.emptied} is empty but the mirror holds 2 entries; refusing to delete them`));
    expect(second.stdout).toContain('prune skipped: gone, emptied failed tonight');

    expect(snapshotTree(cfg.mirrorPath('main', 'gone'))).toEqual(mirrors.gone);
    expect(snapshotTree(cfg.mirrorPath('main', 'emptied'))).toEqual(mirrors.emptied);
    // The old archive survived: prune did not run; a partial archive was added.
    const after = await borgList(repo, cfg.passphraseFile);
    expect(after.slice(0, 2)).toEqual(archivesBefore);
    expect(after).toHaveLength(3);

    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const all = db.prepare('SELECT step, source, status FROM steps WHERE run_id = 2 ORDER BY id').all() as Array<{ step: string }>;
    db.close();
    // The repository check and the archive comparison run alongside the pulls: their rows' places among theirs are not fixed.
    expect(all.filter((s) => s.step === 'check_repository')).toEqual([{ step: 'check_repository', source: null, status: 'ok' }]);
    expect(all.filter((s) => s.step === 'compare_archives')).toEqual([{ step: 'compare_archives', source: null, status: 'ok' }]);
    // The sources are worked on at once (source_concurrency): each source's rows are in order, the
    // sources' rows interleave; listed here source by source, in the order of the host file.
    const order = ['keep', 'gone', 'emptied'];
    const steps = all
      .filter((s) => s.step !== 'check_repository' && s.step !== 'compare_archives')
      .map((s, i) => ({ s, i }))
      .sort((x, y) => {
        const [a, b] = [x.s as { source: string | null }, y.s as { source: string | null }];
        return a.source && b.source ? order.indexOf(a.source) - order.indexOf(b.source) || x.i - y.i : x.i - y.i;
      })
      .map((x) => x.s);
    expect(steps).toEqual([
      { step: 'disk_space', source: null, status: 'ok' },
      { step: 'repository', source: null, status: 'ok' },
      { step: 'connect', source: null, status: 'ok' },
      { step: 'pull', source: 'keep', status: 'ok' },
      { step: 'pull', source: 'gone', status: 'failed' },
      { step: 'keep_last_good', source: 'gone', status: 'ok' },
      { step: 'pull', source: 'emptied', status: 'failed' },
      { step: 'keep_last_good', source: 'emptied', status: 'ok' },
      { step: 'archive', source: null, status: 'warning' },
      { step: 'schedule_prune', source: null, status: 'skipped' },
      { step: 'check', source: null, status: 'ok' },
      { step: 'index', source: null, status: 'ok' },
      { step: 'repository_size', source: null, status: 'ok' },
    ]);
    await server.stop();
  });
});
