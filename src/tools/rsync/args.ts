// Pure argument builders for rsync pulls from a main server over OpenSSH.
import type { GlobalConfig, HostConfig, SourceConfig } from '../../config/types.js';
import { buildSshArgv, rsyncRemoteShell } from '../ssh/options.js';

/** `host:path/` as rsync wants it (IPv6 addresses in brackets). */
export function remoteSpec(address: string, path: string): string {
  const addr = address.includes(':') ? `[${address}]` : address;
  return `${addr}:${path.endsWith('/') ? path : `${path}/`}`;
}

/**
 * An exact copy: hard links, symlinks, permissions, times, numeric ids; deletions delayed to the end
 * so a transfer that dies midway deletes nothing; statistics in plain digits for the collector.
 */
const EXACT_COPY = ['--archive', '--hard-links', '--numeric-ids', '--delete', '--delete-delay', '--stats', '--no-human-readable'];

function common(global: GlobalConfig, host: HostConfig): string[] {
  const args = [
    '-e', rsyncRemoteShell(buildSshArgv(global.ssh, host)),
    // Remote paths travel inside the protocol, never through the remote shell.
    '-s', // --secluded-args (formerly --protect-args): the short form works on every rsync >= 3.0
    `--timeout=${global.rsync.ioTimeoutSeconds}`,
  ];
  if (global.rsync.remotePath) args.push(`--rsync-path=${global.rsync.remotePath}`);
  return args;
}

/**
 * rsync argv (program excluded) that makes `dest` an exact copy of the source: hard links,
 * symlinks, permissions, times, numeric ids; deletions delayed to the end so a transfer that
 * dies midway deletes nothing.
 */
export function buildPullArgs(global: GlobalConfig, host: HostConfig, source: SourceConfig, dest: string): string[] {
  const args = [
    ...EXACT_COPY,
    ...common(global, host),
  ];
  for (const pattern of source.exclude) args.push(`--exclude=${pattern}`);
  args.push('--', remoteSpec(host.address, source.path), dest.endsWith('/') ? dest : `${dest}/`);
  return args;
}

/** rsync argv listing the top level of a source (not recursive): used to refuse an empty or missing source. */
export function buildProbeArgs(global: GlobalConfig, host: HostConfig, source: SourceConfig): string[] {
  return ['--list-only', '--dirs', '--no-human-readable', ...common(global, host), '--', remoteSpec(host.address, source.path)];
}

/** rsync argv pushing a local tree to a path on `host` (restores): exact copy, deletions included. */
export function buildPushArgs(global: GlobalConfig, host: HostConfig, from: string, remotePath: string): string[] {
  return [
    ...EXACT_COPY,
    ...common(global, host),
    '--',
    from.endsWith('/') ? from : `${from}/`,
    remoteSpec(host.address, remotePath),
  ];
}
