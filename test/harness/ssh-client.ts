// Client-side ssh options for talking to a harness sshd, as argument arrays.
import type { SshdServer } from './sshd.js';

/** ssh options (no host) that log in with `identityFile` and verify the host key against `knownHosts`. */
export function sshOptions(server: SshdServer, identityFile: string, knownHosts: string): string[] {
  return [
    '-i', identityFile,
    '-p', String(server.port),
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=5',
    '-o', 'LogLevel=ERROR',
  ];
}

/** The `user@address` destination of a server. */
export function sshDestination(server: SshdServer): string {
  return `${server.user}@${server.address}`;
}

/** The string for `rsync -e` (rsync splits it itself; harness paths have no spaces). */
export function rsyncShell(server: SshdServer, identityFile: string, knownHosts: string): string {
  return ['ssh', ...sshOptions(server, identityFile, knownHosts)].join(' ');
}
