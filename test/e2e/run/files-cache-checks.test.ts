// The nightly cost grows with the change, not the size: after rsync updated the mirror, borg reads
// only the changed files (the files cache holds across rsync's updates, proved by borg's own
// --list --filter=AME lines), the repository check is partial and resumes (--max-duration), the
// archives check keeps its weekly cadence, and compact runs only after a prune deleted something
// (a night's prune is paid at the start of the next night).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTempDir, moveChecksBackADay, nextSecond, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

interface Row {
  step: string;
  status: string;
  details: string | null;
}

function steps(stateDir: string, runId: number): Map<string, Row> {
  const db = new Database(join(stateDir, 'catalog.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT step, status, details FROM steps WHERE run_id = ? AND source IS NULL').all(runId) as Row[];
    return new Map(rows.map((r) => [r.step, r]));
  } finally {
    db.close();
  }
}

describe('a nightly run after a small change', () => {
  it('reads only the changed files, checks the repository partially and the archives on their cadence', async () => {
    const server = await startSshd();
    const data = join(makeTempDir('main-server-'), 'data');
    mkdirSync(join(data, 'sub dir'), { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(data, 'sub dir', `f-${i}.txt`), `row ${i}\n`.repeat(50));
    // 3 MB that does not compress: a repository in which a night's new metadata is a small share.
    writeFileSync(join(data, 'blob.bin'), randomBytes(3_000_000));
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
      global: { checks: { repository: 'daily', archives: 'weekly', data: 'never', drill: 'never', repository_max_duration: '10m' } },
    });
    const run = async () => {
      const r = await runCli(['--config', cfg.configPath, 'run']);
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    };

    await run();
    const first = steps(cfg.stateDir, 1);
    const read1 = JSON.parse(first.get('archive')!.details!).stats.read;
    // Every file and the manifest were read the first time: a first archive in a new repository,
    // whose files cache is empty, so borg is asked to list only errors, and the count is its nfiles.
    expect(read1).toEqual({ added: 202, modified: 0, errors: 0, counted: false });
    const check1 = JSON.parse(first.get('check')!.details!);
    expect(check1.kinds).toEqual(['repository', 'archives']);
    // A repository created tonight holds tonight's archive only: checked whole, in one borg check with the archives.
    expect(check1.repository).toBe('whole: every segment and the index');
    // Nothing pruned (one archive): nothing for compact to free.
    expect(first.has('compact')).toBe(false);

    for (const i of [3, 150]) appendFileSync(join(data, 'sub dir', `f-${i}.txt`), 'changed\n');
    writeFileSync(join(data, 'new.txt'), 'new\n');
    moveChecksBackADay(cfg.stateDir);
    await nextSecond(); // archive names have one-second resolution
    await run();
    const second = steps(cfg.stateDir, 2);
    // rsync replaced the two changed files and added one; borg read those and the manifest only (the
    // manifest is written just before borg create: borg never remembers the newest file it saw, so
    // it reads it again each night), not the 199 unchanged files.
    expect(JSON.parse(second.get('archive')!.details!).stats.read).toEqual({ added: 2, modified: 2, errors: 0 });
    // The repository (there since the first night) was checked while the source was pulled, and
    // the archives check, weekly, was not due.
    const check2 = JSON.parse(second.get('check_repository')!.details!);
    expect(check2.kinds).toEqual(['repository']);
    expect(check2.repository).toMatch(/^partial: /);
    expect(second.has('check')).toBe(false);
    // Every archive falls on one day: the daily rule keeps the newest, and borg keeps the oldest
    // while the rule's count is not filled. A night's prune is paid at the start of the next night
    // (the first night created the repository and owes none): the third night's prune finds nothing
    // to delete, the fourth's deletes the second archive, and the repository, never compacted, is
    // compacted. The fifth night's prune frees next to nothing (the archives differ by a manifest)
    // and compaction waits (weekly at most).
    expect(second.has('prune')).toBe(false);
    expect(second.has('compact')).toBe(false);
    const night = async (runId: number) => {
      moveChecksBackADay(cfg.stateDir);
      await nextSecond();
      await run();
      return steps(cfg.stateDir, runId);
    };
    const third = await night(3);
    expect(JSON.parse(third.get('prune')!.details!).pruned).toEqual([]);
    expect(third.has('compact')).toBe(false);
    const fourth = await night(4);
    expect(JSON.parse(fourth.get('prune')!.details!).pruned).toHaveLength(1);
    expect(JSON.parse(fourth.get('compact')!.details!).why).toMatch(/^the prune freed .* never compacted$/);
    const fifth = await night(5);
    const prune5 = JSON.parse(fifth.get('prune')!.details!);
    expect(prune5.pruned).toHaveLength(1);
    expect(prune5.freedBytes).toBeGreaterThan(0);
    expect(prune5.freedBytes / prune5.repositoryBytes).toBeLessThan(0.01);
    expect(fifth.has('compact')).toBe(false);
    await server.stop();
  });
});
