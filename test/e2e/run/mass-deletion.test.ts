// Issue 9: a mass deletion on a main server (`find blobs -type f -delete`) is not mirrored, archived
// and reported OK: the source fails naming the counts, the mirror and the newest archive keep the
// files, no prune runs; `--accept-shrink` lets a deliberate deletion through.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { borgList, makeTempDir, runBorg, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('a mass deletion on the main server', () => {
  it('fails the source and keeps mirror and archive until the operator accepts it', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const blobs = join(root, 'blobs');
    mkdirSync(blobs);
    for (let i = 0; i < 54; i++) writeFileSync(join(blobs, `blob-${String(i).padStart(2, '0')}`), `blob ${i}\n`.repeat(20));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'a.txt'), 'a\n');
    const cfg = await writeTestConfig({
      // daily 1: an older nightly archive is pruned the moment prune runs. No checks: quick.
      global: { retention: { daily: 1, weekly: 0, monthly: 0 }, checks: { repository: 'never', archives: 'never' } },
      hosts: [{ name: 'main', server, sources: [{ name: 'blobs', kind: 'blobs', path: blobs }, { name: 'data', kind: 'data', path: join(root, 'data') }] }],
    });
    const run = (...extra: string[]) => runCli(['--config', cfg.configPath, ...extra]);
    const repo = cfg.repoPath('main');
    const mirror = cfg.mirrorPath('main', 'blobs');
    const blobsIn = async (archive: string) =>
      (await runBorg(['list', '--short', `${repo}::${archive}`, 'blobs'], cfg.passphraseFile)).stdout.split('\n').filter((l) => l.startsWith('blobs/')).length;

    const first = await run('run');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);

    // An ordinary night: 4 of 55 entries deleted (7%) are mirrored and archived.
    for (let i = 0; i < 4; i++) rmSync(join(blobs, `blob-${String(i).padStart(2, '0')}`));
    const small = await run('run');
    expect(small.exitCode, small.stderr + small.stdout).toBe(0);
    expect(readdirSync(mirror)).toHaveLength(50);
    // An ordinary deletion is no event: rsync's words about the counting pass's --max-delete=0 are
    // not shown, the night is OK, and its report lists no warning and no retry (two passes are not a retry).
    expect(small.stdout).toMatch(/^main\s+OK\s/m);
    expect(small.stderr).not.toContain('--max-delete limit');
    expect(small.stderr).not.toContain('(code 25)');
    expect(small.stderr).not.toMatch(/WARN/);
    const report = await run('report', '--since', '24h');
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout).not.toMatch(/retr(y|ies)/);
    expect(report.stdout).not.toContain('warnings:');
    const good = (await borgList(repo, cfg.passphraseFile)).at(-1)!;
    expect(await blobsIn(good)).toBe(50);
    // That good night owes a prune (paid at the start of the next night): paid now by hand, so that
    // whatever the failing nights below prune would be theirs.
    const paid = await run('prune');
    expect(paid.exitCode, paid.stderr + paid.stdout).toBe(0);
    // An older nightly archive that prune (daily 1) would delete if it ran.
    const old = 'main-20200101T000000Z';
    const content = makeTempDir('content-');
    writeFileSync(join(content, 'x'), 'x');
    await runBorg(['create', '--timestamp', '2020-01-01T00:00:00', `${repo}::${old}`, 'x'], cfg.passphraseFile, content);
    const before = await borgList(repo, cfg.passphraseFile);

    // 40 of the 50 blobs deleted on the server (plus one new file: the rest of the pull goes on).
    for (let i = 4; i < 44; i++) rmSync(join(blobs, `blob-${String(i).padStart(2, '0')}`));
    writeFileSync(join(blobs, 'new'), 'new\n');
    const mass = await run('run');
    expect(mass.exitCode, mass.stderr + mass.stdout).toBe(1);
    expect(mass.stdout).toMatch(/^main\s+FAILED\s/m);
    expect(mass.stdout).toContain('main: blobs: 40 of 51 files (78%) would be deleted');
    expect(mass.stdout).toContain('more than max_shrink 50% of the last good pull');
    expect(mass.stdout).toContain('pullback run --host main --accept-shrink blobs');
    // The mirror kept every blob; no prune ran (the old archive is there); the newest archive holds the 50 blobs.
    const kept = Array.from({ length: 50 }, (_, k) => `blob-${String(k + 4).padStart(2, '0')}`);
    expect(readdirSync(mirror).filter((n) => n.startsWith('blob-')).sort()).toEqual(kept);
    const after = await borgList(repo, cfg.passphraseFile);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(await blobsIn(after.filter((a) => a !== old).sort().at(-1)!)).toBe(50);

    // The next night, still refused: the guard measures against the last good pull, not the refused one.
    // The failed night owed no prune: this one prunes nothing either.
    const again = await run('run');
    expect(again.exitCode, again.stderr + again.stdout).toBe(1);
    expect(again.stdout).toContain('main: blobs: 40 of 51 files (78%) would be deleted');
    expect(await borgList(repo, cfg.passphraseFile)).toEqual(expect.arrayContaining(before));

    // Accepting needs --host and a source that exists.
    const noHost = await run('run', '--accept-shrink', 'blobs');
    expect(noHost.exitCode).toBe(2);
    expect(noHost.stderr).toContain('--accept-shrink needs --host');
    const typo = await run('run', '--host', 'main', '--accept-shrink', 'blob');
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("no source 'blob' on main");

    // The operator really deleted them: accepted, mirrored and archived; the next night is ordinary again.
    const accepted = await run('run', '--host', 'main', '--accept-shrink', 'blobs');
    expect(accepted.exitCode, accepted.stderr + accepted.stdout).toBe(0);
    expect(readdirSync(mirror)).toHaveLength(11);
    expect(await blobsIn((await borgList(repo, cfg.passphraseFile)).at(-1)!)).toBe(11);
    const next = await run('run');
    expect(next.exitCode, next.stderr + next.stdout).toBe(0);
    await server.stop();
  });

  it('refuses a slow erosion by comparing with the archive of a week ago, until the operator accepts it', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const blobs = join(root, 'blobs');
    mkdirSync(blobs);
    const name = (i: number) => `blob-${String(i).padStart(3, '0')}`;
    for (let i = 0; i < 100; i++) writeFileSync(join(blobs, name(i)), `blob ${i}\n`.repeat(20));
    const cfg = await writeTestConfig({
      global: { checks: { repository: 'never', archives: 'never' } },
      hosts: [{ name: 'main', server, sources: [{ name: 'blobs', kind: 'blobs', path: blobs }] }],
    });
    const run = (...extra: string[]) => runCli(['--config', cfg.configPath, ...extra]);
    const mirror = cfg.mirrorPath('main', 'blobs');

    const first = await run('run');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    // That night was eight days ago (max_shrink_window is 7d by default): its archive is the week-ago reference.
    const db = new Database(join(cfg.stateDir, 'catalog.db'));
    let weekAgo: string;
    try {
      const row = db.prepare("SELECT name FROM archives WHERE host = 'main'").get() as { name: string };
      weekAgo = row.name;
      db.prepare('UPDATE archives SET created_at = ? WHERE name = ?').run(new Date(Date.now() - 8 * 86400_000).toISOString(), weekAgo);
    } finally {
      db.close();
    }

    // 45 of 100 blobs a night: each night alone is within max_shrink 50%.
    for (let i = 0; i < 45; i++) rmSync(join(blobs, name(i)));
    const second = await run('run');
    expect(second.exitCode, second.stderr + second.stdout).toBe(0);
    expect(readdirSync(mirror)).toHaveLength(55);

    // 25 of the 55 left (45% again): 31 of the week-ago archive's 101 entries remain.
    for (let i = 45; i < 70; i++) rmSync(join(blobs, name(i)));
    const third = await run('run');
    expect(third.exitCode, third.stderr + third.stdout).toBe(1);
    expect(third.stdout).toMatch(/^main\s+FAILED\s/m);
    expect(third.stdout).toContain(`main: blobs: its files fell from 101 to 31 (69% fewer)`);
    expect(third.stdout).toContain(`since archive ${weekAgo} (`);
    expect(third.stdout).toContain('the newest archive at least max_shrink_window old), more than max_shrink 50%');
    expect(third.stdout).toContain('(a slow erosion); nothing was deleted from the mirror');
    expect(third.stdout).toContain('pullback run --host main --accept-shrink blobs');
    expect(readdirSync(mirror)).toHaveLength(55);

    // Accepted: mirrored; the next nights compare with the accepted pull, not with the week-ago archive.
    const accepted = await run('run', '--host', 'main', '--accept-shrink', 'blobs');
    expect(accepted.exitCode, accepted.stderr + accepted.stdout).toBe(0);
    expect(readdirSync(mirror)).toHaveLength(30);
    const next = await run('run');
    expect(next.exitCode, next.stderr + next.stdout).toBe(0);
    await server.stop();
  });
});
