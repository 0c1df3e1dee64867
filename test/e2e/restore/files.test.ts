// Restore of blobs and data end to end (real sshd, rsync, borg): dry run changes nothing, a
// restore brings back identical trees, a readiness failure stops before any change, --to works.
import { rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, diffTrees, snapshotTree, startSshd, type TreeSnapshot } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, sources, type HostTrees, type World } from './setup.js';

let w: World;
let spare: HostTrees;
let before: { blobs: TreeSnapshot; data: TreeSnapshot };

beforeAll(async () => {
  const server = await startSshd();
  const main = makeTrees('restore-main-', true);
  spare = makeTrees('restore-spare-', false);
  w = await backedUp(
    main,
    [
      { name: 'main', server, sources: sources(main) },
      { name: 'spare', server, sources: sources(spare) },
      { name: 'full', server, sources: sources(spare), override: { restore: { min_free: '1000T' } } },
    ],
    server,
  );
  before = { blobs: snapshotTree(main.blobs), data: snapshotTree(main.data) };
});

function destroy(t: HostTrees): void {
  rmSync(join(t.blobs, 'nested'), { recursive: true });
  rmSync(join(t.blobs, 'big.bin'));
  writeFileSync(join(t.blobs, 'intruder.txt'), 'not in the archive\n');
  rmSync(t.data, { recursive: true });
}

describe('pullback restore (files)', () => {
  it('--dry-run prints the ordered plan and the checklist and changes nothing', async () => {
    destroy(w.main);
    const wrecked = snapshotTree(w.main.blobs);
    const r = await w.cli('restore', '--host', 'main', '--dry-run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Restore plan: archive main-\d{8}T\d{6}Z of host main/);
    expect(r.stdout.indexOf('1. blobs')).toBeLessThan(r.stdout.indexOf('2. data'));
    expect(r.stdout).toContain('Readiness checklist:');
    expect(r.stdout).toMatch(/PASS {2}borg check of main-/);
    expect(r.stdout).toMatch(/PASS {2}free space on main:/);
    expect(r.stdout).toContain('Dry run: every check passed; nothing was changed.');
    expect(diffTrees(wrecked, w.main.blobs)).toEqual([]);
    expect(existsSync(w.main.data)).toBe(false);
    expect(catalogRestores(w.cfg).restores).toEqual([]);
  });

  it('refuses without --yes when stdin is not a terminal (exit 2)', async () => {
    const r = await w.cli('restore', '--host', 'main');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('refusing to restore without --yes');
  });

  it('stops at a failed readiness item before changing anything (exit 1)', async () => {
    writeFileSync(join(spare.root, 'marker'), 'x');
    const r = await w.cli('restore', '--host', 'main', '--to', 'full', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}free space on full:.*needed/);
    expect(r.stdout).toContain('nothing was changed');
    expect(existsSync(spare.blobs)).toBe(false);
    const { restores, steps } = catalogRestores(w.cfg);
    expect(restores.at(-1)).toMatchObject({ target: 'full', status: 'refused' });
    expect(steps).toEqual([]);
  });

  it('restores identical trees, deleting what the archive does not hold, with checklist and checks', async () => {
    const r = await w.cli('restore', '--host', 'main', '--yes');
    if (process.env.SHOW) console.log(r.stdout, r.stderr);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(diffTrees(before.blobs, w.main.blobs)).toEqual([]);
    expect(diffTrees(before.data, w.main.data)).toEqual([]);
    expect(r.stdout).toContain('Readiness checklist:');
    expect(r.stdout).toMatch(/PASS {2}blobs: files at .* archive: \d+ files/);
    expect(r.stdout).toContain('Post-restore checks:');
    expect(r.stdout).not.toMatch(/FAIL/);
    const { restores, steps } = catalogRestores(w.cfg);
    const last = restores.at(-1)!;
    expect(last).toMatchObject({ kind: 'restore', host: 'main', target: 'main', status: 'ok' });
    expect(String(last.snapshot_archive)).toMatch(/^main-pre-restore-\d{8}T\d{6}Z$/);
    const mine = steps.filter((s) => s.restore_id === last.id);
    expect(mine.map((s) => [s.kind, s.source, s.status])).toEqual([
      ['readiness', null, 'ok'],
      ['stop_writes', null, 'ok'],
      ['snapshot', null, 'ok'],
      ['blobs', 'blobs', 'ok'],
      ['data', 'data', 'ok'],
      ['start_writes', null, 'ok'],
      ['checks', null, 'ok'],
    ]);
    expect(await borgList(w.cfg.repoPath('main'), w.cfg.passphraseFile)).toContain(last.snapshot_archive);
  });

  it('restores onto another host (--to) at that host\'s paths', async () => {
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(diffTrees(before.blobs, spare.blobs)).toEqual([]);
    expect(diffTrees(before.data, spare.data)).toEqual([]);
    expect((await borgList(w.cfg.repoPath('spare'), w.cfg.passphraseFile)).some((a) => /^spare-pre-restore-/.test(a))).toBe(true);
  });
});
