// Drills compare ACLs and xattrs too (real sshd, rsync, borg): a healthy archive passes with the
// origin's ACLs, xattrs and capabilities; an archive whose copies lost them (made the way a pull
// without --acls --xattrs made them) fails with a mismatch naming the lost attribute.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, nextSecond, runBorg, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { drillJson } from './helpers.js';

describe('pullback drill (ACLs and xattrs)', () => {
  let cfg: TestConfig;

  beforeAll(async () => {
    const server = await startSshd();
    const data = join(makeTempDir('drill-attrs-'), 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'acl.txt'), 'shared\n');
    await execa('setfacl', ['-m', 'u:4242:rw', '--', join(data, 'acl.txt')]);
    writeFileSync(join(data, 'xattr.txt'), 'noted\n');
    await execa('setfattr', ['-n', 'user.note', '-v', 'hello', '--', join(data, 'xattr.txt')]);
    writeFileSync(join(data, 'plain.txt'), 'plain\n');
    // The origin's attributes must be older than the pull (ctime has whole seconds).
    await nextSecond();
    cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }] });
    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  });

  it('passes when the restored sample has the origin\'s ACLs and xattrs', async () => {
    const { exitCode, report } = await drillJson(cfg.configPath, ['--percent', '100', '--archive', 'latest']);
    const d = report.drills[0]!;
    expect(exitCode, JSON.stringify(d, null, 2)).toBe(0);
    expect(d.counts).toEqual({ sampled: 3, matches: 3, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.warnings).toEqual([]);
  });

  it('fails with a mismatch naming the lost ACL and xattr when the archive\'s copies lack them', async () => {
    // An archive of the mirror copied without -A -X, with the nightly manifest: what a pull without them archived.
    const stripped = makeTempDir('drill-attrs-stripped-');
    await execa('rsync', ['-a', '--numeric-ids', '--', `${join(cfg.stateDir, 'mirror', 'main')}/`, `${stripped}/`]);
    const archive = 'main-20300101T000000Z';
    await runBorg(['create', '--numeric-ids', `${cfg.repoPath('main')}::${archive}`, 'data', '.pullback/manifest.json'], cfg.passphraseFile, stripped);
    const { exitCode, report } = await drillJson(cfg.configPath, ['--percent', '100', '--archive', archive]);
    const d = report.drills[0]!;
    expect(exitCode, JSON.stringify(d, null, 2)).toBe(1);
    expect(d.mismatches.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'data/acl.txt', reason: 'restored ACLs/xattrs differ from the origin, unchanged since before the backup: lost system.posix_acl_access' },
      { path: 'data/xattr.txt', reason: 'restored ACLs/xattrs differ from the origin, unchanged since before the backup: lost user.note' },
    ]);
    expect(d.counts.matches).toBe(1);
  });
});
