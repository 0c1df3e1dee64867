// Self-tests of the harness: real sshd login, host key verification, and a faithful rsync of a hostile tree.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  clientKey, compareWithDiffR, diffTrees, makeTempDir, regenerateHostKey, rsyncShell, snapshotTree,
  sshDestination, sshOptions, startSshd, writeKnownHosts, writeNastyTree, writeTestConfig,
} from './index.js';

describe('harness', () => {
  it('logs in to a real sshd with host key checking', async () => {
    const server = await startSshd();
    const key = await clientKey();
    const dir = makeTempDir('kh');
    const kh = join(dir, 'known_hosts');
    writeKnownHosts(kh, [server]);
    expect(server.address).toMatch(/^127\.0\.0\.\d+$/);
    expect(server.knownHostsLine).toBe(`[${server.address}]:${server.port} ${server.hostPublicKey.split(' ').slice(0, 2).join(' ')}`);
    const r = await execa('ssh', [...sshOptions(server, key.privateKeyPath, kh), sshDestination(server), 'echo', 'ok'], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok');
    expect(r.exitCode).toBe(0);
  });

  it('refuses a changed host key', async () => {
    const server = await startSshd();
    const key = await clientKey();
    const kh = join(makeTempDir('kh'), 'known_hosts');
    writeKnownHosts(kh, [server]);
    const before = server.hostPublicKey;
    await regenerateHostKey(server);
    expect(server.hostPublicKey).not.toBe(before);
    const r = await execa('ssh', [...sshOptions(server, key.privateKeyPath, kh), sshDestination(server), 'true'], { reject: false });
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    writeKnownHosts(kh, [server]);
    const ok = await execa('ssh', [...sshOptions(server, key.privateKeyPath, kh), sshDestination(server), 'true'], { reject: false });
    expect(ok.exitCode).toBe(0);
  });

  it('stops and restarts on the same address and port', async () => {
    const server = await startSshd();
    const key = await clientKey();
    const kh = join(makeTempDir('kh'), 'known_hosts');
    writeKnownHosts(kh, [server]);
    const args = [...sshOptions(server, key.privateKeyPath, kh), sshDestination(server), 'true'];
    await server.stop();
    expect((await execa('ssh', args, { reject: false })).exitCode).toBe(255);
    await server.restart();
    expect((await execa('ssh', args, { reject: false })).exitCode).toBe(0);
  });

  it('rsyncs a hostile tree over sshd into an identical copy', async () => {
    const server = await startSshd();
    const key = await clientKey();
    const dir = makeTempDir('rsync');
    const src = join(dir, 'src');
    const dest = join(dir, 'dest');
    writeNastyTree(src);
    const kh = join(dir, 'known_hosts');
    writeKnownHosts(kh, [server]);
    const snap = snapshotTree(src);
    expect(snap['hardlink-a']?.hardlinkGroup).toEqual(['hardlink-a', 'nested/hardlink b']);
    expect(snap['link-dangling']).toMatchObject({ type: 'symlink', linkTarget: 'does/not/exist' });
    expect(snap['private-0600']?.mode).toBe(0o600);
    expect(snap['new\nline.txt']?.type).toBe('file');
    const r = await execa('rsync', ['-aH', '--numeric-ids', '-s', '-e', rsyncShell(server, key.privateKeyPath, kh), `${sshDestination(server)}:${src}/`, `${dest}/`], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(diffTrees(src, dest)).toEqual([]);
    expect(await compareWithDiffR(src, dest)).toBe('');
    writeFileSync(join(dest, 'with space.txt'), 'changed');
    mkdirSync(join(dest, 'extra'));
    const d = diffTrees(src, dest);
    expect(d).toContain('only in second: "extra" (dir)');
    expect(d).toContain('"with space.txt": size 28 != 7');
  });

  it('writes a config naming the servers', async () => {
    const server = await startSshd();
    const cfg = await writeTestConfig({
      hosts: [{ name: 'h1', server, sources: [{ name: 'data', kind: 'data', path: '/x' }], override: { port: 2222 } }],
      global: { retention: { daily: 2 }, concurrency: undefined },
    });
    const g = parse(readFileSync(cfg.configPath, 'utf8'));
    expect(g.retention).toEqual({ daily: 2, weekly: 4, monthly: 6 });
    expect(g.concurrency).toBeUndefined();
    expect(g.repository.path).toBe(join(cfg.dir, 'borg', '{host}'));
    expect(cfg.repoPath('h1')).toBe(join(cfg.dir, 'borg', 'h1'));
    const h = parse(readFileSync(cfg.hostFile('h1'), 'utf8'));
    expect(h).toMatchObject({ name: 'h1', address: server.address, port: 2222, user: server.user });
    expect(readFileSync(cfg.knownHostsPath, 'utf8')).toBe(`${server.knownHostsLine}\n`);
  });
});
