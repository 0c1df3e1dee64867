// Files come back exact, and only what the backup held is touched (real sshd, rsync, borg): a
// source with excludes, ACLs, xattrs, capabilities, owners, modes, nanosecond mtimes, awkward
// names and a 256 MiB sparse file; the mirror and the restored target are compared with a pristine
// copy by `rsync -naiHAX --checksum`, the excluded files survive the restore and its rollback, and
// the dry run names what the restore deletes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allocatedBytes, makeTempDir, pristineCopy, rsyncDifferences, runCli, SPARSE_FILE, SPARSE_SIZE, startSshd, writeMetadataTree, writeTestConfig, type TestConfig,
} from '../../harness/index.js';
import { catalogRestores } from './setup.js';

const EXCLUDE = ['*.tmp', 'videos/'];
const MiB = 1024 * 1024;

let cfg: TestConfig;
let data: string;
let pristine: string;
const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 300_000 });

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('restore-meta-');
  data = join(root, 'data');
  await writeMetadataTree(data);
  writeFileSync(join(data, 'scratch.tmp'), 'never backed up\n');
  writeFileSync(join(data, 'nested', 'cache.tmp'), 'never backed up either\n');
  mkdirSync(join(data, 'videos', 'sub'), { recursive: true });
  writeFileSync(join(data, 'videos', 'huge.mp4'), Buffer.alloc(2 * MiB, 7));
  writeFileSync(join(data, 'videos', 'sub', 'clip.mp4'), 'clip\n');
  pristine = join(root, 'pristine');
  await pristineCopy(data, pristine);
  cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data, exclude: EXCLUDE }] }] });
  const r = await cli('run');
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
}, 300_000);

/** The incident: every file the backup holds is deleted (directories and excluded files stay), intruders appear, an ACL is stripped. */
async function incident(): Promise<void> {
  await execa('find', [data, '-mindepth', '1', '!', '-type', 'd', '!', '-name', '*.tmp', '!', '-path', `${data}/videos/*`, '-delete']);
  await execa('setfacl', ['-b', '--', join(data, 'acl', 'inherit')]);
  writeFileSync(join(data, 'intruder.txt'), 'not in the archive\n');
  mkdirSync(join(data, 'junk'));
  for (let i = 0; i < 25; i++) writeFileSync(join(data, 'junk', `j-${String(i).padStart(2, '0')}`), `${i}\n`);
}

describe('restore keeps file metadata exactly and never deletes what was not backed up', () => {
  it('the mirror is an exact copy (ACLs, xattrs, capabilities, owners, times) without the excluded files, and stays sparse', async () => {
    const mirror = cfg.mirrorPath('main', 'data');
    expect(await rsyncDifferences(pristine, mirror, { exclude: EXCLUDE })).toEqual([]);
    expect(allocatedBytes(join(mirror, SPARSE_FILE))).toBeLessThan(100 * MiB);
    const acl = await execa('getfacl', ['-p', '--', join(mirror, 'acl', 'inherit')]);
    expect(acl.stdout).toContain('default:user:4242:rwx');
  });

  it('--dry-run counts and names what the restore deletes, never the excluded files', async () => {
    await incident();
    const r = await cli('restore', '--host', 'main', '--dry-run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`data: 27 path(s) deleted in main:${data}`);
    expect(r.stdout).toContain('- "intruder.txt"');
    expect(r.stdout).toContain('- "junk/"');
    expect(r.stdout).toContain('- "junk/j-00"');
    expect(r.stdout).toContain('and 7 more');
    expect(r.stdout).toContain('files not in the archive are deleted, except those matching *.tmp videos/');
    expect(r.stdout).not.toMatch(/huge\.mp4|clip\.mp4|\.tmp"/);
  });

  it('restore --yes brings back every attribute and the holes, and leaves the excluded files untouched', async () => {
    const incidentCopy = join(makeTempDir('restore-meta-incident-'), 'copy');
    await pristineCopy(data, incidentCopy);
    const r = await cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/FAIL/);
    expect(await rsyncDifferences(pristine, data)).toEqual([]);
    expect(allocatedBytes(join(data, SPARSE_FILE))).toBeLessThan(100 * MiB);
    expect((await execa('stat', ['-c', '%s', '--', join(data, SPARSE_FILE)])).stdout).toBe(String(SPARSE_SIZE));
    expect((await execa('getcap', [join(data, 'ping-like')])).stdout).toMatch(/cap_net_bind_service,cap_net_raw=ep/);
    expect((await execa('getfattr', ['--only-values', '-n', 'user.pullback.note', '--', join(data, 'xattr.txt')])).stdout).toBe('kept across restores');
    expect((await execa('stat', ['-c', '%y', '--', join(data, 'nanos')])).stdout).toContain('05:06:07.123456789');

    // The rollback returns the target to the incident's state, excluded files still untouched.
    const id = String(catalogRestores(cfg).restores.at(-1)!.id);
    const back = await cli('restore', '--rollback', id, '--yes');
    expect(back.exitCode, back.stderr + back.stdout).toBe(0);
    expect(await rsyncDifferences(incidentCopy, data)).toEqual([]);
  });
});
