// A normalized configuration for argument-builder tests (no files are read).
import type { GlobalConfig, HostConfig, SourceConfig } from '../../../src/config/types.js';
import { DEATH_SIGNAL_PREFIX } from '../../../src/exec/death-signal.js';

/** A complete GlobalConfig; `patch` replaces top-level fields. */
export function globalConfig(patch: Partial<GlobalConfig> = {}): GlobalConfig {
  return {
    file: '/etc/pullback/pullback.yaml',
    stateDir: '/var/lib/pullback',
    hostsDir: '/etc/pullback/hosts',
    repository: { pathTemplate: '/srv/borg/{host}', encryption: 'repokey-blake2', passphraseFile: '/etc/pullback/pass', compression: 'auto,zstd,10' },
    retention: { daily: 7, weekly: 4, monthly: 6 },
    concurrency: 2,
    ssh: { identityFile: '/etc/pullback/id_ed25519', knownHosts: '/etc/pullback/known_hosts', connectTimeoutSeconds: 10 },
    rsync: { ioTimeoutSeconds: 300, attempts: 3, backoffSeconds: 5 },
    checks: { repository: 'always', archives: 'always', data: 'monthly', drill: 'monthly', repositoryMaxDurationSeconds: 0 },
    drill: {
      sample: 100,
      database: { postgres: { host: '127.0.0.1', port: 5432, user: 'postgres' }, mariadb: { host: '127.0.0.1', port: 3306, user: 'root' } },
    },
    dumpTimeoutSeconds: 3600,
    dumpMaxClockSkewSeconds: 300,
    restoreWaitSeconds: 7200,
    ...patch,
  };
}

/** A host with one source per kind. */
export function hostConfig(patch: Partial<HostConfig> = {}): HostConfig {
  return {
    file: '/etc/pullback/hosts/main.yaml',
    name: 'main',
    address: '10.0.0.5',
    port: 22,
    user: 'backup',
    sources: [source()],
    restore: { stopWrites: [], startWrites: [], checks: [], spaceMargin: 0.1, minFreeBytes: 0 },
    ...patch,
  };
}

export function source(patch: Partial<SourceConfig> = {}): SourceConfig {
  return { name: 'data', kind: 'data', path: '/srv/data', exclude: [], ...patch };
}

/** The `-e` value buildSshArgv + rsyncRemoteShell give for the default config and host. */
export const DEFAULT_E =
  (DEATH_SIGNAL_PREFIX.length > 0 ? 'setpriv --pdeathsig TERM -- ' : '') +
  'ssh -F /dev/null -o IdentityFile=/etc/pullback/id_ed25519 -p 22 -l backup -o BatchMode=yes -o StrictHostKeyChecking=yes ' +
  '-o UserKnownHostsFile=/etc/pullback/known_hosts -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes ' +
  '-o UpdateHostKeys=no -o ConnectTimeout=10 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o LogLevel=ERROR';
