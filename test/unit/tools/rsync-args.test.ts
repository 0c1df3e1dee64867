// Exact rsync argv for pulls, probes and pushes.
import { describe, expect, it } from 'vitest';
import { buildListTreeArgs, buildProbeArgs, buildPullArgs, buildPushArgs, remoteSpec } from '../../../src/tools/rsync/args.js';
import { buildMuxMasterArgv } from '../../../src/tools/ssh/mux.js';
import { DEFAULT_E, globalConfig, hostConfig, source } from './fixture.js';

const COPY = ['--archive', '--hard-links', '--numeric-ids', '--acls', '--xattrs', '--sparse', '--delete', '--delete-delay', '--stats', '--no-human-readable'];
/** Pulls never recreate a main server's device nodes on the backup host. */
const PULL = [...COPY, '--no-devices'];

describe('buildPullArgs', () => {
  it('copies exactly, over the configured ssh, with the timeout, into dest/', () => {
    expect(buildPullArgs(globalConfig(), hostConfig(), source(), '/var/lib/pullback/mirror/main/data')).toEqual([
      ...PULL,
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--',
      '10.0.0.5:/srv/data/',
      '/var/lib/pullback/mirror/main/data/',
    ]);
  });

  it('adds excludes after the options, --rsync-path when configured, and keeps paths after --', () => {
    const g = globalConfig({ rsync: { ioTimeoutSeconds: 30, attempts: 1, backoffSeconds: 1, remotePath: 'sudo rsync' } });
    const s = source({ path: '/srv/-data with space/', exclude: ['*.tmp', '--delete-all'] });
    expect(buildPullArgs(g, hostConfig({ port: 2222, user: 'u' }), s, '/m/data/')).toEqual([
      ...PULL,
      '-e', DEFAULT_E.replace('-p 22 -l backup', '-p 2222 -l u'),
      '-s',
      '--timeout=30',
      '--rsync-path=sudo rsync',
      '--exclude=*.tmp',
      '--exclude=--delete-all',
      '--',
      '10.0.0.5:/srv/-data with space/',
      '/m/data/',
    ]);
  });

  it('asks for --info=progress2 only when progress is wanted (rsyncPull always asks: its bytes count in PULLED)', () => {
    const plain = buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data');
    expect(buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data', { progress: false })).toEqual(plain);
    expect(buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data', { progress: true, maxDelete: 0 })).toEqual([
      ...PULL,
      '--info=progress2',
      '--max-delete=0',
      ...plain.slice(PULL.length),
    ]);
  });

  it('limits deletions with --max-delete when the shrink guard asks (0: copy everything, delete nothing)', () => {
    for (const n of [0, 25]) {
      expect(buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data', { maxDelete: n })).toEqual([
        ...PULL,
        `--max-delete=${n}`,
        '-e', DEFAULT_E,
        '-s',
        '--timeout=300',
        '--',
        '10.0.0.5:/srv/data/',
        '/m/data/',
      ]);
    }
  });
});

describe('buildProbeArgs', () => {
  it('lists only the top level of the source', () => {
    expect(buildProbeArgs(globalConfig(), hostConfig(), source({ path: '/srv/db' }))).toEqual([
      '--list-only', '--dirs', '--no-human-readable',
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--',
      '10.0.0.5:/srv/db/',
    ]);
  });
});

describe('buildPushArgs', () => {
  it('pushes the contents of a local dir to the remote path', () => {
    expect(buildPushArgs(globalConfig(), hostConfig(), '/tmp/restore/data', '/srv/data')).toEqual([
      ...COPY,
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--',
      '/tmp/restore/data/',
      '10.0.0.5:/srv/data/',
    ]);
  });

  it('protects receiver files matching the source excludes (same patterns as the pull, before --)', () => {
    expect(buildPushArgs(globalConfig(), hostConfig(), '/tmp/restore/data', '/srv/data', ['*.tmp', 'videos/', '--delete-all'])).toEqual([
      ...COPY,
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--exclude=*.tmp',
      '--exclude=videos/',
      '--exclude=--delete-all',
      '--',
      '/tmp/restore/data/',
      '10.0.0.5:/srv/data/',
    ]);
  });
});

describe('buildPushArgs with guardRoot', () => {
  it('runs the receiver inside the root only when cd -P lands on the path asked, the destination being "."', () => {
    const g = globalConfig({ rsync: { ioTimeoutSeconds: 300, attempts: 1, backoffSeconds: 1, remotePath: '/usr/bin/rsync' } });
    expect(buildPushArgs(g, hostConfig(), '/tmp/restore/data', "/srv/it's data/", [], { guardRoot: true })).toEqual([
      ...COPY,
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      `--rsync-path=cd -P -- '/srv/it'\\''s data' && [ "$(pwd -P)" = '/srv/it'\\''s data' ] || { echo 'pullback-push: refused: /srv/it'\\''s data is not a real directory now (a symlink, or below one, or missing): nothing was pushed' >&2; exit 126; }; exec /usr/bin/rsync`,
      '--',
      '/tmp/restore/data/',
      '10.0.0.5:./',
    ]);
  });
});

describe('buildListTreeArgs', () => {
  it('lists recursively and read-only, with the excludes, without --links (no "-> target" in names)', () => {
    expect(buildListTreeArgs(globalConfig(), hostConfig(), '/srv/data', ['*.tmp'])).toEqual([
      '--list-only', '--recursive', '--no-human-readable',
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--exclude=*.tmp',
      '--',
      '10.0.0.5:/srv/data/',
    ]);
  });
});

describe('remoteSpec', () => {
  it('brackets IPv6 addresses and ends the path with a slash', () => {
    expect(remoteSpec('::1', '/srv')).toBe('[::1]:/srv/');
    expect(remoteSpec('backup.example', '/srv/')).toBe('backup.example:/srv/');
  });
});

describe('the shared SSH connection (tools/ssh/mux.ts)', () => {
  it('pulls and probes attach to the master by its control socket, never becoming one; quoted for ssh_config', () => {
    const path = '/tmp/pb-mux-a b/m';
    const mux = ` -o ControlMaster=no -o 'ControlPath="/tmp/pb-mux-a b/m"'`;
    const pull = buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data', { controlPath: path });
    expect(pull[pull.indexOf('-e') + 1]).toBe(`${DEFAULT_E}${mux}`);
    const probe = buildProbeArgs(globalConfig(), hostConfig(), source(), { controlPath: path });
    expect(probe[probe.indexOf('-e') + 1]).toBe(`${DEFAULT_E}${mux}`);
    expect(buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data', { controlPath: undefined })).toEqual(buildPullArgs(globalConfig(), hostConfig(), source(), '/m/data'));
  });

  it('the master authenticates once, runs nothing, stays in the foreground, and takes the host after --', () => {
    const argv = buildMuxMasterArgv(globalConfig().ssh, hostConfig({ address: '-oProxyCommand=x' }), '/tmp/pb-mux-1/m');
    expect(argv.slice(-8)).toEqual(['-M', '-N', '-o', 'ControlPath=/tmp/pb-mux-1/m', '-o', 'ControlPersist=no', '--', '-oProxyCommand=x']);
    expect(argv).toContain('BatchMode=yes');
  });
});
