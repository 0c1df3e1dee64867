import { cpus, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDuration, parseSize, repositoryPath, resolveConfigPath } from '../../../src/config/index.js';
import { sshForRole } from '../../../src/tools/ssh/options.js';
import { GLOBAL, HOST, problemsOf, short, writeConfig } from './fixture.js';

describe('normalization', () => {
  it('applies every default', () => {
    const file = writeConfig(GLOBAL);
    const dir = dirname(file);
    const { global, hosts } = loadConfig(file);
    expect(global).toEqual({
      file,
      stateDir: '/var/lib/pullback',
      hostsDir: join(dir, 'hosts'),
      repository: { pathTemplate: '/srv/borg/{host}', encryption: 'repokey-blake2', passphraseFile: '/etc/pullback/borg-passphrase', compression: 'auto,zstd,3' },
      retention: { daily: 7, weekly: 4, monthly: 6 },
      concurrency: Math.max(2, cpus().length),
      sourceConcurrency: 3,
      ssh: { identityFile: '/etc/pullback/id_ed25519', knownHosts: '/etc/pullback/known_hosts', connectTimeoutSeconds: 10, aliveTimeoutSeconds: 60 },
      rsync: { ioTimeoutSeconds: 300, attempts: 3, backoffSeconds: 5 },
      checks: { repository: 'daily', archives: 'weekly', data: 'monthly', drill: 'monthly', repositoryMaxDurationSeconds: 1200 },
      drill: {
        sample: 100,
        maxMissing: 0.1,
        database: { postgres: { host: '127.0.0.1', port: 5432, user: 'postgres' }, mariadb: { host: '127.0.0.1', port: 3306, user: 'root' } },
      },
      dumpTimeoutSeconds: 3600,
      dumpMaxClockSkewSeconds: 300,
      restoreWaitSeconds: 7200,
      schedule: { jobs: {} },
      maxShrink: 0.5,
      maxShrinkWindowSeconds: 7 * 86400,
      notify: [],
      notifyRemindSeconds: 86400,
      offsite: [],
      logKeepDays: 30,
      maxDiskUsage: 0.95,
      // No catalog: (the local SQLite catalog alone); the fleet name is the machine's.
      backupHost: hostname(),
    });
    expect(hosts).toEqual([
      {
        file: join(dir, 'hosts/web.yaml'),
        name: 'web',
        address: '10.0.0.5',
        port: 22,
        user: 'backup',
        staleAfterSeconds: 26 * 3600,
        sources: [
          { name: 'db', kind: 'database', path: '/srv/dumps', exclude: [], maxAgeSeconds: 26 * 3600, staleAfterSeconds: 26 * 3600 },
          { name: 'files', kind: 'data', path: '/srv/files', exclude: [], staleAfterSeconds: 26 * 3600 },
        ],
        restore: { stopWrites: [], startWrites: [], checks: [], spaceMargin: 0.1, minFreeBytes: 0 },
      },
    ]);
    expect(repositoryPath(global, 'web')).toBe('/srv/borg/web');
  });

  it('resolves relative local paths against the directory of the file, converts durations and sizes', () => {
    const global = `state_dir: state
hosts_dir: ./hosts
repository: {path: 'repos/{host}', passphrase_file: secret, encryption: authenticated, compression: 'zstd,22'}
ssh: {identity_file: keys/id, known_hosts: /abs/known_hosts, connect_timeout: 30}
rsync: {timeout: 90m, attempts: 1, backoff: 2d, rsync_path: /opt/bin/rsync}
drill: {database: {postgres: {password_file: pg.pw, port: 5433}}}
dump_timeout: 26h
retention: {daily: 0, weekly: 0, monthly: 12}
checks: {data: never, repository_max_duration: 1h}
concurrency: 4
`;
    const host = `name: web
address: web.example.org
port: 2222
user: backup
sources:
  - name: db
    kind: database
    path: /srv/dumps
    max_age: 2d
    dump: {engine: mariadb, databases: all, connection: {user: dumper, password_file: /etc/pw}, keep: 5}
  - {name: lite, kind: database, path: /srv/lite, dump: {engine: sqlite, databases: [/srv/app.db]}}
restore:
  stop_writes: [[systemctl, stop, app]]
  space_margin: 0.25
  min_free: 2GiB
  checks:
    - {name: up, http: {url: "https://web.example.org/health"}}
    - {name: rows, sql: {source: db, database: app, query: "select 1", expect: "1"}}
`;
    const file = writeConfig(global, { 'web.yaml': host });
    const dir = dirname(file);
    const { global: g, hosts } = loadConfig(file);
    expect(g.stateDir).toBe(join(dir, 'state'));
    expect(g.hostsDir).toBe(join(dir, 'hosts'));
    expect(g.repository).toEqual({ pathTemplate: join(dir, 'repos/{host}'), encryption: 'authenticated', passphraseFile: join(dir, 'secret'), compression: 'zstd,22' });
    expect(g.ssh).toEqual({ identityFile: join(dir, 'keys/id'), knownHosts: '/abs/known_hosts', connectTimeoutSeconds: 30, aliveTimeoutSeconds: 60 });
    expect(g.rsync).toEqual({ ioTimeoutSeconds: 5400, attempts: 1, backoffSeconds: 172800, remotePath: '/opt/bin/rsync' });
    expect(g.drill.database.postgres).toEqual({ host: '127.0.0.1', port: 5433, user: 'postgres', passwordFile: join(dir, 'pg.pw') });
    expect(g.dumpTimeoutSeconds).toBe(93600);
    expect(g.retention).toEqual({ daily: 0, weekly: 0, monthly: 12 });
    expect(g.checks).toEqual({ repository: 'daily', archives: 'weekly', data: 'never', drill: 'monthly', repositoryMaxDurationSeconds: 3600 });
    expect(g.concurrency).toBe(4);
    const h = hosts[0]!;
    expect(h.port).toBe(2222);
    expect(h.sources[0]).toEqual({
      name: 'db',
      kind: 'database',
      path: '/srv/dumps',
      exclude: [],
      maxAgeSeconds: 172800,
      staleAfterSeconds: 172800,
      dump: { engine: 'mariadb', databases: 'all', connection: { host: '127.0.0.1', port: 3306, user: 'dumper', passwordFile: '/etc/pw' }, keep: 5 },
    });
    expect(h.sources[1]!.dump?.databases).toEqual(['/srv/app.db']);
    expect(h.restore).toEqual({
      stopWrites: [['systemctl', 'stop', 'app']],
      startWrites: [],
      spaceMargin: 0.25,
      minFreeBytes: 2 * 1024 ** 3,
      checks: [
        { name: 'up', http: { url: 'https://web.example.org/health', timeoutSeconds: 10 } },
        { name: 'rows', sql: { source: 'db', database: 'app', query: 'select 1', expect: '1' } },
      ],
    });
  });

  it('postgres dump connections default to 127.0.0.1:5432 as postgres; no passphrase with encryption none', () => {
    const host = HOST.replace('path: /srv/dumps}', 'path: /srv/dumps, dump: {engine: postgres, databases: [app]}}');
    const { global, hosts } = loadConfig(writeConfig(GLOBAL.replace('  passphrase_file: /etc/pullback/borg-passphrase', '  encryption: none'), { 'web.yaml': host }));
    expect(global.repository.passphraseFile).toBeUndefined();
    expect(hosts[0]!.sources[0]!.dump).toEqual({ engine: 'postgres', databases: ['app'], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 3 });
  });

  it('resolves per-role keys against the host file; roles without one use the global identity', () => {
    const file = writeConfig(GLOBAL, { 'web.yaml': `${HOST}keys: {pull: keys/pull, restore: /abs/restore}\n` });
    const [host] = loadConfig(file).hosts;
    expect(host!.keys).toEqual({ pull: join(dirname(file), 'hosts/keys/pull'), restore: '/abs/restore' });
    const ssh = loadConfig(file).global.ssh;
    expect(sshForRole(ssh, host!, 'pull').identityFile).toBe(join(dirname(file), 'hosts/keys/pull'));
    expect(sshForRole(ssh, host!, 'dump').identityFile).toBe('/etc/pullback/id_ed25519');
    expect(problemsOf(GLOBAL, { 'web.yaml': `${HOST}keys: {pul: x}\n` }).map((p) => p.key)).toEqual(['keys.pul']);
  });

  it('pitr: defaults (slot pullback, max_lag 5 min, the replication login on 127.0.0.1:5432), its password file resolved against the host file', () => {
    const file = writeConfig(GLOBAL, { 'web.yaml': `${HOST.replace(/sources:[\s\S]*$/, '')}sources:\n  - {name: db, kind: database, path: /d, pitr: {connection: {password_file: repl.pgpass}}}\n` });
    const db = loadConfig(file).hosts[0]!.sources[0]!;
    expect(db.pitr).toEqual({ engine: 'postgres', slot: 'pullback', maxLagSeconds: 300, connection: { host: '127.0.0.1', port: 5432, user: 'pullback_replication', passwordFile: join(dirname(file), 'hosts', 'repl.pgpass') } });
  });

  it('pitr of a mariadb source: binary logs, the replication login on 127.0.0.1:3306 by default', () => {
    const file = writeConfig(GLOBAL, { 'web.yaml': `${HOST.replace(/sources:[\s\S]*$/, '')}sources:\n  - {name: db, kind: database, path: /d, dump: {engine: mariadb, databases: [shop]}, pitr: {max_lag: 2m}}\n` });
    const db = loadConfig(file).hosts[0]!.sources[0]!;
    expect(db.pitr).toEqual({ engine: 'mariadb', slot: 'pullback', maxLagSeconds: 120, connection: { host: '127.0.0.1', port: 3306, user: 'pullback_replication' } });
  });

  it('parses durations and sizes', () => {
    expect([parseDuration(0), parseDuration(45), parseDuration('10s'), parseDuration('90m'), parseDuration('26h'), parseDuration('2d')]).toEqual([0, 45, 10, 5400, 93600, 172800]);
    expect(() => parseDuration('1w')).toThrow();
    expect(() => parseDuration(1.5)).toThrow();
    expect([parseSize(0), parseSize(512), parseSize('1K'), parseSize('512M'), parseSize('2GiB'), parseSize('1TB'), parseSize('10B')]).toEqual([
      0, 512, 1024, 512 * 1024 ** 2, 2 * 1024 ** 3, 1024 ** 4, 10,
    ]);
    expect(() => parseSize('1P')).toThrow();
  });

  it('accepts every borg compression form and refuses others', () => {
    const ok = ['none', 'lz4', 'zstd', 'zstd,1', 'zstd,22', 'zlib,9', 'lzma', 'auto,zstd,10', 'auto,lz4'];
    for (const c of ok) expect(() => loadConfig(writeConfig(GLOBAL.replace('  passphrase_file', `  compression: "${c}"\n  passphrase_file`))), c).not.toThrow();
    for (const c of ['zstd,0', 'zstd,23', 'gzip', 'auto', 'zlib,10', 'auto,auto,lz4']) {
      expect(short(problemsOf(GLOBAL.replace('  passphrase_file', `  compression: "${c}"\n  passphrase_file`))).map((p) => p.key), c).toEqual(['repository.compression']);
    }
  });

  it('finds the config file: --config, else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml', () => {
    expect(resolveConfigPath('/a.yaml', { PULLBACK_CONFIG: '/b.yaml' })).toBe('/a.yaml');
    expect(resolveConfigPath(undefined, { PULLBACK_CONFIG: '/b.yaml' })).toBe('/b.yaml');
    expect(resolveConfigPath(undefined, {})).toBe('/etc/pullback/pullback.yaml');
  });
});

describe('the fleet catalog keys', () => {
  it('reads catalog.url and password_file (resolved against the file) and backup_host, globally and per host', () => {
    const file = writeConfig(`${GLOBAL}backup_host: backup-1\ncatalog:\n  url: postgres://pullback@db.example:5432/pullback\n  password_file: catalog-password\n`, { 'web.yaml': `${HOST}backup_host: backup-2\n` });
    const { global, hosts } = loadConfig(file);
    expect(global.backupHost).toBe('backup-1');
    expect(global.catalog).toEqual({ url: 'postgres://pullback@db.example:5432/pullback', passwordFile: join(dirname(file), 'catalog-password') });
    expect(hosts[0]!.backupHost).toBe('backup-2');
  });

  it('refuses a catalog URL carrying a password, naming the file, line and key', () => {
    const problems = short(problemsOf(`${GLOBAL}catalog:\n  url: postgres://pullback:secret@db.example/pullback\n`));
    expect(problems).toEqual([expect.objectContaining({ file: 'pullback.yaml', key: 'catalog.url', line: expect.any(Number) })]);
    expect(problems[0]!.message).toContain('without a password');
  });
});

describe('a catalog URL with a password', () => {
  it('is refused without echoing the password', () => {
    const problems = short(problemsOf(`${GLOBAL}catalog:\n  url: postgres://pullback:hunter2@db.example/pullback\n`));
    expect(problems[0]!.message).toContain("postgres://pullback:***@db.example/pullback");
    expect(problems[0]!.message).not.toContain('hunter2');
  });
});
