// A restore onto a target folder that became a symlink (issue 22, the fault tour's first find):
// with `data -> /etc` on the main server the night refused it, but the readiness checklist followed
// the link (the dry run listed /etc's files as deletions and said "every check passed", exit 0) and
// the push (`rsync ... host:path/`) would have replaced /etc. Now the target is looked at without
// following it: readiness FAILs naming the link and where it points, the deletion preview lists
// nothing of it, a real restore changes nothing; a link swapped in after the checklist (by a
// stop_writes hook here) is refused by the safety snapshot or, in a rollback, right before the push;
// and a push through a link slipped in after that last look is refused by its own remote command.
// The link points at a folder of the test, never /etc.
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { rsyncPush } from '../../../src/tools/rsync/push.js';
import { makeTempDir, runCli, snapshotTree, startSshd, writeTestConfig, type SshdServer, type TestConfig, type TreeSnapshot } from '../../harness/index.js';
import { catalogRestores, patchHostFile } from './setup.js';

let server: SshdServer;
let cfg: TestConfig;
let data: string;
let elsewhere: string;
let elsewhereBefore: TreeSnapshot;
const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 300_000 });

// The swap a hook makes on the target: `data` moved aside, a symlink to `elsewhere` in its place.
const SWAP = ['sh', '-c', 'mv -- "$1" "$1.real" && ln -s -- "$2" "$1"', 'sh'];

function linkData(): void {
  renameSync(data, `${data}.real`);
  symlinkSync(elsewhere, data);
}

function unlinkData(): void {
  unlinkSync(data);
  renameSync(`${data}.real`, data);
}

beforeAll(async () => {
  server = await startSshd();
  const root = makeTempDir('symlinked-target-');
  data = join(root, 'data dir');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'a.txt'), 'archived a\n');
  writeFileSync(join(data, 'sub', 'b.txt'), 'archived b\n');
  // What the link points to: a folder that is no source (the server's /etc in the fault tour).
  elsewhere = makeTempDir('symlinked-target-elsewhere-');
  writeFileSync(join(elsewhere, 'passwd'), 'not for a restore\n');
  mkdirSync(join(elsewhere, 'ssl'));
  writeFileSync(join(elsewhere, 'ssl', 'key.pem'), 'private\n');
  elsewhereBefore = snapshotTree(elsewhere);
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never', data: 'never', drill: 'never' } },
    hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
  });
  const night = await cli('run');
  expect(night.exitCode, night.stdout + night.stderr).toBe(0);
}, 300_000);

describe('a restore onto a target folder that is a symlink', () => {
  it('--dry-run FAILs naming the link and where it points, and lists nothing of it as deletions', async () => {
    linkData();
    try {
      const r = await cli('restore', '--host', 'main', '--dry-run');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`FAIL  main:${data} a real directory, no symlink on its way (data): ${data} is a symlink to ${elsewhere}: pullback does not restore through a symlink; remove it (rm '${data}'; mkdir '${data}') or restore --into DIR`);
      expect(r.stdout).toContain(`data: UNKNOWN for main:${data}: not listed: ${data} is a symlink to ${elsewhere}`);
      expect(r.stdout).not.toMatch(/passwd|key\.pem|ssl/);
      // Nothing of where it points is measured as if it were the target.
      expect(r.stdout).not.toContain(`${data} writable by the login user`);
      expect(r.stdout).toContain('Dry run: the restore would stop at the failed checks above; nothing was changed.');
      expect(snapshotTree(elsewhere)).toEqual(elsewhereBefore);
    } finally {
      unlinkData();
    }
  });

  it('a real restore is refused by readiness: exit 1, nothing changed where the link points', async () => {
    linkData();
    try {
      const r = await cli('restore', '--host', 'main', '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`FAIL  main:${data} a real directory, no symlink on its way (data): ${data} is a symlink to ${elsewhere}`);
      expect(r.stdout).toContain('Readiness failed: the restore stops here; nothing was changed (untouched: data).');
      expect(snapshotTree(elsewhere)).toEqual(elsewhereBefore);
      expect(catalogRestores(cfg).restores.at(-1)).toMatchObject({ status: 'refused' });
    } finally {
      unlinkData();
    }
  });

  it('a link swapped in after the checklist is refused by the safety snapshot, nothing pushed', async () => {
    patchHostFile(cfg, 'main', { restore: { stop_writes: [[...SWAP, data, elsewhere]] } });
    try {
      const r = await cli('restore', '--host', 'main', '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`FAILED at snapshot: safety snapshot: main: ${data} is a symlink to ${elsewhere}: pullback does not restore through a symlink`);
      expect(r.stdout).toContain('untouched: data');
      expect(snapshotTree(elsewhere)).toEqual(elsewhereBefore);
    } finally {
      patchHostFile(cfg, 'main', { restore: {} });
      unlinkData();
    }
  });

  it('a rollback (no snapshot) looks again right before its push: refused, nothing changed', async () => {
    const ok = await cli('restore', '--host', 'main', '--yes');
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    const id = String(catalogRestores(cfg).restores.at(-1)!.id);
    patchHostFile(cfg, 'main', { restore: { stop_writes: [[...SWAP, data, elsewhere]] } });
    try {
      const r = await cli('restore', '--rollback', id, '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`FAILED at data: main: ${data} is a symlink to ${elsewhere}: pullback does not restore through a symlink`);
      expect(r.stdout).toContain('nothing was pushed');
      expect(r.stdout).toMatch(/untouched: data/);
      expect(snapshotTree(elsewhere)).toEqual(elsewhereBefore);
    } finally {
      patchHostFile(cfg, 'main', { restore: {} });
      unlinkData();
    }
  });

  it("the push's own remote command refuses a root that is a symlink (a link slipped in after the last look)", async () => {
    const config = loadConfig(cfg.configPath);
    const from = makeTempDir('symlinked-target-from-');
    writeFileSync(join(from, 'pushed.txt'), 'pushed\n');
    linkData();
    try {
      const out = await rsyncPush(config.global, config.hosts[0]!, from, data, { guardRoot: true });
      expect(out.verdict.kind).toBe('failed');
      expect(out.rootRefused).toBe(true);
      expect(out.attempts).toBe(1);
      expect('reason' in out.verdict && out.verdict.reason).toBe(`${data} is not a real directory now (a symlink, or below one, or missing): nothing was pushed`);
      expect(snapshotTree(elsewhere)).toEqual(elsewhereBefore);
    } finally {
      unlinkData();
    }
    // A link above the root is refused the same way.
    const parent = join(makeTempDir('symlinked-target-parent-'), 'p');
    mkdirSync(join(elsewhere, 'inner'));
    try {
      symlinkSync(elsewhere, parent);
      const above = await rsyncPush(config.global, config.hosts[0]!, from, join(parent, 'inner'), { guardRoot: true });
      expect(above.rootRefused).toBe(true);
      // The real directory: the same guarded push goes through.
      const real = await rsyncPush(config.global, config.hosts[0]!, from, join(elsewhere, 'inner'), { guardRoot: true });
      expect(real.verdict.kind, JSON.stringify(real.verdict)).toBe('ok');
      expect(Object.keys(snapshotTree(join(elsewhere, 'inner')))).toEqual(['pushed.txt']);
    } finally {
      rmSync(join(elsewhere, 'inner'), { recursive: true, force: true });
    }
    expect(snapshotTree(elsewhere)).toEqual(elsewhereBefore);
  });
});
