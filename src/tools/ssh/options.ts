// OpenSSH client options built from the config, for rsync's `-e` remote shell.
import type { HostConfig, SshConfig } from '../../config/types.js';

/** The ssh argv (program first) that logs in to `host` with verified host keys and no prompts. */
export function buildSshArgv(ssh: SshConfig, host: Pick<HostConfig, 'port' | 'user'>): string[] {
  return [
    'ssh',
    '-i', ssh.identityFile,
    '-p', String(host.port),
    '-l', host.user,
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${sshConfigValue(ssh.knownHosts)}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'UpdateHostKeys=no',
    '-o', `ConnectTimeout=${ssh.connectTimeoutSeconds}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=4',
    '-o', 'LogLevel=ERROR',
  ];
}

/**
 * Quotes an ssh_config value: UserKnownHostsFile takes a whitespace-separated list, so a path
 * with spaces must be in double quotes (OpenSSH's argv_split honours "..." and backslash escapes).
 */
export function sshConfigValue(value: string): string {
  if (!/[\s"'\\]/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Joins argv for rsync's `-e` option. rsync splits that string itself: on spaces, with single or
 * double quotes grouping and a doubled quote inside quotes standing for one (no backslashes).
 */
export function rsyncRemoteShell(argv: readonly string[]): string {
  return argv.map(rsyncQuote).join(' ');
}

function rsyncQuote(arg: string): string {
  if (arg !== '' && !/[\s'"]/.test(arg)) return arg;
  return `'${arg.replace(/'/g, "''")}'`;
}
