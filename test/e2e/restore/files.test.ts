// Restore of blobs and data end to end (real sshd, rsync, borg): dry run changes nothing, a
// restore brings back identical trees, a readiness failure stops before any change, --to works.
import { existsSync, readdirSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, CLI_PATH, diffTrees, holdLockInChild, makeTempDir, snapshotTree, startSshd, type TreeSnapshot } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, sources, type HostTrees, type World } from './setup.js';

let w: World;
let spare: HostTrees;
let before: { blobs: TreeSnapshot; data: TreeSnapshot };

let server: Awaited<ReturnType<typeof startSshd>>;
const logins = () => (server.log.match(/Accepted publickey for /g) ?? []).length;

beforeAll(async () => {
  server = await startSshd({ logLevel: 'INFO' });
  const main = makeTrees('restore-main-', true);
  spare = makeTrees('restore-spare-', false);
  w = await backedUp(
    main,
    [
      { name: 'main', server, sources: sources(main) },
      { name: 'spare', server, sources: sources(spare) },
      { name: 'full', server, sources: sources(spare), override: { restore: { min_free: '1000T' } } },
      { name: 'slow', server, sources: sources(makeTrees('restore-slow-', false)), override: { restore: { stop_writes: [['sleep', '30']] } } },
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
    const r = await w.cli('--log-level', 'debug', '--log-format', 'json', 'restore', '--host', 'main', '--dry-run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    // A dry run extracts nothing ahead: it reads every chunk back without writing (--dry-run).
    expect(r.stderr).not.toMatch(/"cmd":"borg extract (?![^\n]*--dry-run)[^\n]* -- blobs data"/);
    expect(r.stdout).toMatch(/PASS {2}every chunk of what is restored from main-\S+: read and verified \(borg extract --dry-run/);
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
    expect(restores.at(-1)).toMatchObject({ target: 'full', status: 'refused', snapshot_archive: null });
    expect(steps.map((s) => [s.kind, s.status])).toEqual([['readiness', 'failed']]);
    // The sources extracted ahead while the checklist was gathered (its archive check passed) are gone again.
    expect(readdirSync(join(w.cfg.stateDir, 'restore'))).toEqual([]);
  });

  it('restores identical trees, deleting what the archive does not hold, with checklist and checks', async () => {
    const loggedIn = logins();
    const r = await w.cli('--log-level', 'debug', '--log-format', 'json', 'restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    // Both folder sources come out of one borg extract, begun with the restore (staging.ts).
    const borgExtracts = r.stderr.split('\n').filter((l) => /"cmd":"borg extract /.test(l) && !l.includes('manifest.json'));
    const extracts = borgExtracts.filter((l) => !l.includes('--dry-run'));
    expect(extracts, r.stderr).toHaveLength(1);
    expect(extracts[0]).toMatch(/ -- blobs data"/);
    // The only other read: the safety snapshot read back whole before the first source is replaced.
    expect(borgExtracts.filter((l) => l.includes('--dry-run')).map((l) => /::(\S+?)"/.exec(l)?.[1])).toEqual([expect.stringMatching(/^main-pre-restore-/)]);
    // Two logins: the ssh2 session (remote facts) and the OpenSSH master every rsync of the restore
    // attaches to (the deletion listings, the snapshot's pulls, the pushes, the checks' listings).
    expect(logins() - loggedIn).toBe(2);
    expect(diffTrees(before.blobs, w.main.blobs)).toEqual([]);
    expect(diffTrees(before.data, w.main.data)).toEqual([]);
    expect(r.stdout).toContain('Readiness checklist:');
    expect(r.stdout).toMatch(/PASS {2}blobs: files at .* archive: \d+ files/);
    expect(r.stdout).toContain('Data checks (writes still stopped):');
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
      ['verify', null, 'ok'],
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

  it('--into extracts the chosen sources into a new local folder and nothing else', async () => {
    const dir = join(makeTempDir('restore-into-'), 'out');
    const r = await w.cli('restore', '--host', 'main', '--into', dir, '--only', 'blobs');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`-> ${dir}/blobs`);
    expect(r.stdout).toMatch(/PASS {2}blobs: files at/);
    expect(diffTrees(before.blobs, join(dir, 'blobs'))).toEqual([]);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    const again = await w.cli('restore', '--host', 'main', '--into', dir);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('the folder is not empty');
  });

  it('refuses a second restore onto a target while one runs', async () => {
    const holder = await holdLockInChild(join(w.cfg.stateDir, 'locks', 'host-main.lock'), 'restore onto main');
    try {
      const r = await w.cli('restore', '--host', 'main', '--yes');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`restore onto main is running (PID ${holder.pid}`);
    } finally {
      await holder.kill();
    }
  });

  it('records which steps completed when interrupted by SIGTERM', async () => {
    const child = execa(process.execPath, [CLI_PATH, '--config', w.cfg.configPath, 'restore', '--host', 'main', '--to', 'slow', '--yes'], { reject: false, stdin: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!catalogRestores(w.cfg).steps.some((s) => s.kind === 'stop_writes' && s.status === 'running')) {
      if (Date.now() > deadline) throw new Error('the restore never reached stop_writes');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode, String(r.stdout)).toBe(1);
    expect(r.stdout).toMatch(/was INTERRUPTED at stop_writes/);
    const { restores, steps } = catalogRestores(w.cfg);
    const last = restores.at(-1)!;
    expect(last).toMatchObject({ target: 'slow', status: 'interrupted', snapshot_archive: null });
    expect(steps.filter((s) => s.restore_id === last.id).map((s) => [s.kind, s.status])).toEqual([
      ['readiness', 'ok'],
      ['stop_writes', 'interrupted'],
      ['snapshot', 'skipped'],
      ['blobs', 'skipped'],
      ['data', 'skipped'],
      ['verify', 'skipped'],
      ['start_writes', 'ok'],
      ['checks', 'skipped'],
    ]);
  });
});
