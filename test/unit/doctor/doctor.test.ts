// The doctor's pure halves: what it plans from a configuration, and how it judges what it measured.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/types.js';
import { planChecks } from '../../../src/doctor/plan.js';
import { judge } from '../../../src/doctor/verdict.js';
import { TOOLS } from '../../../src/doctor/tools.js';

const RSYNC_OK = `rsync  version 3.2.7  protocol version 31
Capabilities:
    64-bit files, 64-bit inums, 64-bit timestamps, 64-bit long ints,
    socketpairs, symlinks, symtimes, hardlinks, hardlink-specials,
    hardlink-symlinks, IPv6, atimes, batchfiles, inplace, append, ACLs,
    xattrs, optional secluded-args, iconv, prealloc, stop-at, no crtimes
Optimizations:
    SIMD-roll, no asm-roll, openssl-crypto, no asm-MD5`;

function config(engines: string[]): Config {
  const sources = engines.map((e, i) => ({ name: `db${i}`, kind: 'database', dump: { engine: e } }));
  return {
    global: {
      stateDir: '/var/lib/pullback',
      maxDiskUsage: 0.9,
      repository: { pathTemplate: '/srv/borg/{host}', encryption: 'repokey', passphraseFile: '/etc/pullback/pass' },
      ssh: { identityFile: '/etc/pullback/id', knownHosts: '/etc/pullback/known_hosts' },
      offsite: [],
      drill: { database: { postgres: {}, mariadb: { passwordFile: '/etc/pullback/maria.cnf' } } },
    },
    hosts: [{ name: 'web', sources, keys: { restore: '/etc/pullback/id-restore' } }],
  } as unknown as Config;
}

describe('doctor plan', () => {
  it('asks for the clients of the engines the config uses, each named once, and every key and passphrase file', () => {
    const checks = planChecks({ config: config(['postgres', 'postgres', 'mariadb']), mount: false });
    const tools = checks.filter((c) => c.kind === 'tool').map((c) => (c.kind === 'tool' ? `${c.tool}:${c.why}` : ''));
    expect(tools).toEqual([
      'borg:archives, checks, restores',
      'rsync:pulls and restores of files',
      'ssh:every connection to the main servers',
      'getfattr:drills compare extended attributes',
      'pg_dump:postgres sources web/db0, web/db1',
      'pg_restore:postgres sources web/db0, web/db1',
      'psql:postgres sources web/db0, web/db1',
      'mariadb:mariadb sources web/db2',
      'mariadb-dump:mariadb sources web/db2',
    ]);
    expect(checks.filter((c) => c.kind === 'secret-file').map((c) => (c.kind === 'secret-file' ? c.path : ''))).toEqual(['/etc/pullback/id', '/etc/pullback/id-restore', '/etc/pullback/pass', '/etc/pullback/maria.cnf']);
    expect(checks.some((c) => c.kind === 'fuse')).toBe(false);
    expect(planChecks({ mount: true }).map((c) => c.kind)).toEqual(['node', 'user', 'tool', 'tool', 'tool', 'tool', 'fuse', 'clock']);
  });

  it('asks for the receivers of sources with pitr: pg_receivewal and pg_basebackup, mariadb-binlog (and mariadbd, optional, for restore --at)', () => {
    const c = config(['postgres', 'mariadb']);
    const [pg, maria] = c.hosts[0]!.sources;
    const conn = { host: '127.0.0.1', port: 1, user: 'r' };
    Object.assign(pg!, { pitr: { engine: 'postgres', slot: 'pullback', maxLagSeconds: 300, connection: conn } });
    Object.assign(maria!, { pitr: { engine: 'mariadb', slot: 'pullback', maxLagSeconds: 300, connection: { ...conn, passwordFile: '/etc/pullback/repl.cnf' } } });
    const checks = planChecks({ config: c, mount: false });
    const tools = checks.flatMap((x) => (x.kind === 'tool' ? [`${x.tool}:${x.required}:${x.why}`] : []));
    expect(tools.slice(-4)).toEqual([
      'pg_receivewal:true:point-in-time recovery of web/db0',
      'pg_basebackup:true:point-in-time recovery of web/db0',
      'mariadb-binlog:true:point-in-time recovery of web/db1',
      'mariadbd:false:restore --at of web/db1 (a scratch server)',
    ]);
    expect(checks.some((x) => x.kind === 'secret-file' && x.path === '/etc/pullback/repl.cnf')).toBe(true);
  });

  it("checks the fleet catalog's password file like every other secret", () => {
    const c = config([]);
    c.global.catalog = { url: 'postgres://pullback@db/pullback', passwordFile: '/etc/pullback/catalog-password' };
    const secrets = planChecks({ config: c, mount: false }).filter((k) => k.kind === 'secret-file');
    expect(secrets.map((k) => (k.kind === 'secret-file' ? `${k.path}:${k.label}` : ''))).toContain("/etc/pullback/catalog-password:fleet catalog's password file (catalog.password_file)");
  });
});

describe('doctor verdicts', () => {
  const rsync = { kind: 'tool' as const, tool: 'rsync' as const, why: 'pulls', required: true };
  it('rsync: OK with ACLs and xattrs; FAIL naming what it was built without', () => {
    expect(judge(rsync, { kind: 'tool', path: '/usr/bin/rsync', output: RSYNC_OK })[0]).toEqual({ status: 'OK', subject: 'rsync', message: 'rsync 3.2.7 (/usr/bin/rsync), with ACLs and xattrs' });
    const without = judge(rsync, { kind: 'tool', path: '/usr/bin/rsync', output: RSYNC_OK.replace('append, ACLs,', 'append, no ACLs,').replace('    xattrs,', '    no xattrs,') })[0]!;
    expect(without.status).toBe('FAIL');
    expect(without.message).toMatch(/built without ACLs and xattrs/);
    expect(judge(rsync, { kind: 'tool', path: '/usr/bin/rsync', output: 'rsync  version 3.0.9  protocol version 30\nCapabilities: ACLs, xattrs' })[0]!.message).toMatch(/older than 3\.1/);
  });

  it('borg: 2.x is refused, a missing tool names its package, an optional one only warns', () => {
    const borg = { kind: 'tool' as const, tool: 'borg' as const, why: 'archives', required: true };
    expect(judge(borg, { kind: 'tool', path: '/usr/bin/borg', output: 'borg 2.0.0b14' })[0]!.status).toBe('FAIL');
    expect(judge(borg, { kind: 'tool', path: '/usr/bin/borg', output: 'borg 1.2.4' })[0]!.status).toBe('OK');
    expect(judge(borg, { kind: 'tool', error: 'not found' })[0]).toEqual({ status: 'FAIL', subject: 'borg', message: `not found on PATH (needed for archives): ${TOOLS.borg.install}` });
    expect(judge({ ...borg, tool: 'getfattr', required: false }, { kind: 'tool', error: 'not found' })[0]!.status).toBe('WARN');
  });

  it('secret files: mode and owner, each with its fix', () => {
    const c = { kind: 'secret-file' as const, path: '/k', label: 'key' };
    const f = (mode: number, uid: number) => judge(c, { kind: 'secret-file', stat: { isFile: true, mode, uid, usable: true }, uid: 0, user: 'root' })[0]!;
    expect(f(0o600, 0).status).toBe('OK');
    expect(f(0o400, 0).status).toBe('OK');
    expect(f(0o644, 0).message).toBe('/k is mode 0644: it must be readable by its owner only (0600) and owned by root, the user pullback runs as; fix: chmod 600 /k');
    expect(f(0o600, 1000).message).toMatch(/owned by uid 1000.*fix: chown root \/k$/);
    expect(judge(c, { kind: 'secret-file', stat: { error: 'ENOENT' }, uid: 0, user: 'root' })[0]!.message).toBe('/k: does not exist');
  });

  it('space: one line per filesystem, FAIL past max_disk_usage', () => {
    const fs = (dev: number, used: number, free: number) => ({ dev, mount: `/m${dev}`, type: 'ext4', size: used + free, used, free });
    const lines = judge(
      { kind: 'space', maxUsage: 0.9, paths: [] },
      { kind: 'space', filesystems: [{ path: '/a', label: 'state', fs: fs(1, 50 * 2 ** 30, 50 * 2 ** 30) }, { path: '/a/m', label: 'mirror', fs: fs(1, 50 * 2 ** 30, 50 * 2 ** 30) }, { path: '/b', label: 'repository of web', fs: fs(2, 95 * 2 ** 30, 5 * 2 ** 30) }] },
    );
    expect(lines.map((l) => [l.status, l.subject])).toEqual([['OK', 'free space (state, mirror)'], ['FAIL', 'free space (repository of web)']]);
  });
});
