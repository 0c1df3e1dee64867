// Pure argument builders for rsync pulls from a main server over OpenSSH.
import type { GlobalConfig, HostConfig, SourceConfig, SshRole } from '../../config/types.js';
import { DEATH_SIGNAL_PREFIX } from '../../exec/death-signal.js';
import { muxClientOptions } from '../ssh/mux.js';
import { buildSshArgv, rsyncRemoteShell, sshForRole } from '../ssh/options.js';

/** `host:path/` as rsync wants it (IPv6 addresses in brackets). */
export function remoteSpec(address: string, path: string): string {
  const addr = address.includes(':') ? `[${address}]` : address;
  return `${addr}:${path.endsWith('/') ? path : `${path}/`}`;
}

/**
 * An exact copy: hard links, symlinks, permissions, times, numeric ids, POSIX ACLs and extended
 * attributes (as root: security.capability too), holes of sparse files kept as holes; deletions
 * delayed to the end so a transfer that dies midway deletes nothing; statistics in plain digits for
 * the collector. Shared by pulls and pushes, so a restore puts back everything a pull took.
 * (--sparse conflicts only with --inplace/--preallocate on old rsyncs; neither is used.)
 */
const EXACT_COPY = [
  '--archive', '--hard-links', '--numeric-ids', '--acls', '--xattrs', '--sparse',
  '--delete', '--delete-delay', '--stats', '--no-human-readable',
];

/** `--exclude=PATTERN` per pattern: on a pull they are not copied, on a push (with --delete) the receiver's are left alone. */
function excludes(patterns: readonly string[]): string[] {
  return patterns.map((p) => `--exclude=${p}`);
}

function common(global: GlobalConfig, host: HostConfig, role: SshRole, controlPath?: string): string[] {
  const ssh = [...buildSshArgv(sshForRole(global.ssh, host, role), host), ...(controlPath ? muxClientOptions(controlPath) : [])];
  const args = [
    // ssh's parent is rsync: the prefix stops it when rsync dies, however rsync dies.
    '-e', rsyncRemoteShell([...DEATH_SIGNAL_PREFIX, ...ssh]),
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
 * dies midway deletes nothing; with `maxDelete`, no more deletions than that; with `progress`,
 * --info=progress2 lines on stdout (tools/rsync/progress.ts).
 */
export function buildPullArgs(global: GlobalConfig, host: HostConfig, source: SourceConfig, dest: string, o: { maxDelete?: number; progress?: boolean; role?: SshRole; controlPath?: string } = {}): string[] {
  return [
    ...EXACT_COPY,
    // A main server is not trusted, and rsync runs as root here: a device node it sends (a 0666
    // copy of a disk, say) is never recreated in the mirror, nor later by a restore --into or a
    // drill. rsync says "skipping non-regular file" and counts it (stats `devices`: a warning).
    // FIFOs and sockets are kept: inert nodes nothing here opens.
    '--no-devices',
    // Whole-transfer progress: a person's bar, and the bytes an attempt cut off had received (pulls always ask).
    ...(o.progress ? ['--info=progress2'] : []),
    // The shrink guard: at most this many deletions (0: none, only counted), exit 25 past it.
    ...(o.maxDelete !== undefined ? [`--max-delete=${o.maxDelete}`] : []),
    ...common(global, host, o.role ?? 'pull', o.controlPath),
    ...excludes(source.exclude),
    '--', remoteSpec(host.address, source.path), dest.endsWith('/') ? dest : `${dest}/`,
  ];
}

/** rsync argv listing the top level of a source (not recursive): used to refuse an empty or missing source. */
export function buildProbeArgs(global: GlobalConfig, host: HostConfig, source: SourceConfig, o: { controlPath?: string } = {}): string[] {
  return ['--list-only', '--dirs', '--no-human-readable', ...common(global, host, 'pull', o.controlPath), '--', remoteSpec(host.address, source.path)];
}

/**
 * rsync argv listing a remote tree recursively (read-only), with the source's excludes applied the
 * way a pull or push applies them: what it lists is exactly what a push with --delete may delete.
 * No --links: symlinks are listed by name only (no ` -> target` to split).
 */
export function buildListTreeArgs(global: GlobalConfig, host: HostConfig, remotePath: string, exclude: readonly string[], o: { controlPath?: string } = {}): string[] {
  // Only restores list a target's tree (what a push may delete, what it wrote): the restore key.
  return ['--list-only', '--recursive', '--no-human-readable', ...common(global, host, 'restore', o.controlPath), ...excludes(exclude), '--', remoteSpec(host.address, remotePath)];
}

/**
 * rsync argv pushing a local tree to a path on `host` (restores): exact copy, deletions included,
 * except of receiver files matching `exclude` (what the backup never held is never deleted).
 */
export function buildPushArgs(global: GlobalConfig, host: HostConfig, from: string, remotePath: string, exclude: readonly string[] = [], o: { controlPath?: string } = {}): string[] {
  return [
    ...EXACT_COPY,
    ...common(global, host, 'restore', o.controlPath),
    ...excludes(exclude),
    '--',
    from.endsWith('/') ? from : `${from}/`,
    remoteSpec(host.address, remotePath),
  ];
}
