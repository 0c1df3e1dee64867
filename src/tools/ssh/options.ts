// OpenSSH client options built from the config, for rsync's `-e` remote shell.
import { DEFAULTS } from '../../config/defaults.js';
import type { HostConfig, SshConfig, SshRole } from '../../config/types.js';
import { parseDuration } from '../../config/units.js';

/** The ssh settings for logging in to `host` as `role`: its own key if the host names one, else the global identity. */
export function sshForRole(ssh: SshConfig, host: Pick<HostConfig, 'keys'>, role: SshRole): SshConfig {
  const key = host.keys?.[role];
  return key === undefined ? ssh : { ...ssh, identityFile: key };
}

/** The ssh argv (program first) that logs in to `host` with verified host keys and no prompts. */
export function buildSshArgv(ssh: SshConfig, host: Pick<HostConfig, 'port' | 'user'>): string[] {
  const [program, ...options] = buildSshBaseArgv(ssh);
  return [program!, ...options.slice(0, 4), '-p', String(host.port), '-l', host.user, ...options.slice(4)];
}

/** The ssh argv without port and user (borg's BORG_RSH: the repository URL carries them). */
export function buildSshBaseArgv(ssh: SshConfig): string[] {
  return [
    'ssh',
    // No ssh_config at all: the user's ~/.ssh/config (a Host alias, HostName, ProxyJump, another
    // IdentityFile) must never change where or how the backup host connects.
    '-F', '/dev/null',
    // Not `-i`: ssh percent-expands identity paths after reading them, and only an ssh_config
    // value can carry the escaped form (%% for a literal %).
    '-o', `IdentityFile=${sshConfigValue(ssh.identityFile)}`,
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${sshConfigValue(ssh.knownHosts)}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'UpdateHostKeys=no',
    '-o', `ConnectTimeout=${ssh.connectTimeoutSeconds}`,
    // OpenSSH's ConnectTimeout covers the TCP connect and the banner only: a server that greets and
    // then stalls in the key exchange is given up by the keepalives alone.
    ...serverAlive(aliveTimeoutOf(ssh)),
    '-o', 'LogLevel=ERROR',
  ];
}

/** Seconds without an answer before ssh gives up (ssh.alive_timeout; its default where a caller built the settings itself). */
export function aliveTimeoutOf(ssh: SshConfig): number {
  return ssh.aliveTimeoutSeconds ?? parseDuration(DEFAULTS.aliveTimeout);
}

/** ServerAliveInterval/CountMax whose product is about `seconds` (60 s: 15 x 4). */
function serverAlive(seconds: number): string[] {
  const interval = Math.max(1, Math.round(seconds / 4));
  const count = Math.max(1, Math.round(seconds / interval));
  return ['-o', `ServerAliveInterval=${interval}`, '-o', `ServerAliveCountMax=${count}`];
}

/**
 * Quotes a path-valued ssh_config option. ssh splits the value like a shell word list (so spaces
 * and quotes need double quotes, with backslash escapes for `\\` and `"`), then percent-expands
 * it (%h is the host name), so a literal % is written %%.
 */
export function sshConfigValue(value: string): string {
  const v = value.replace(/%/g, '%%');
  if (!/[\s"'\\]/.test(v)) return v;
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
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
