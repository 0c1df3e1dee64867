// Pure argument builders for rsync pulls from a main server over OpenSSH.
import type { GlobalConfig, HostConfig, SourceConfig, SshRole } from '../../config/types.js';
import { DEATH_SIGNAL_PREFIX } from '../../exec/death-signal.js';
import { muxClientOptions } from '../ssh/mux.js';
import { buildSshArgv, rsyncRemoteShell, sshForRole } from '../ssh/options.js';
import { shellQuote } from '../ssh/quote.js';

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

function common(global: GlobalConfig, host: HostConfig, role: SshRole, controlPath?: string, rsyncPath = global.rsync.remotePath): string[] {
  const ssh = [...buildSshArgv(sshForRole(global.ssh, host, role), host), ...(controlPath ? muxClientOptions(controlPath) : [])];
  const args = [
    // ssh's parent is rsync: the prefix stops it when rsync dies, however rsync dies.
    '-e', rsyncRemoteShell([...DEATH_SIGNAL_PREFIX, ...ssh]),
    // Remote paths travel inside the protocol, never through the remote shell.
    '-s', // --secluded-args (formerly --protect-args): the short form works on every rsync >= 3.0
    `--timeout=${global.rsync.ioTimeoutSeconds}`,
  ];
  if (rsyncPath) args.push(`--rsync-path=${rsyncPath}`);
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
export function buildListTreeArgs(global: GlobalConfig, host: HostConfig, remotePath: string, exclude: readonly string[], o: { controlPath?: string; entry?: boolean } = {}): string[] {
  // Only restores list a target's tree (what a push may delete, what it wrote): the restore key.
  // `entry`: the path itself (a file), not a folder's contents.
  const spec = o.entry ? `${host.address.includes(':') ? `[${host.address}]` : host.address}:${remotePath}` : remoteSpec(host.address, remotePath);
  return ['--list-only', '--recursive', '--no-human-readable', ...common(global, host, 'restore', o.controlPath), ...excludes(exclude), '--', spec];
}

/** The first words of the line a guarded push's remote shell writes when it refuses its root (guardedRsyncPath). */
export const ROOT_GUARD_REFUSAL = 'pullback-push: refused:';

/**
 * The remote command that runs rsync's receiver inside `root` only when `root` is a real directory
 * now: the shell enters it without following symlinks (`cd -P`) and compares where it got with the
 * path asked (a symlink at the root or above it lands elsewhere), then runs rsync there, which is
 * given `.` as its destination. Checked and used in the same command: swapping in a symlink after
 * the check changes nothing, the receiver's working directory is the directory checked. Otherwise
 * one line starting with ROOT_GUARD_REFUSAL on stderr and exit 126: nothing is written. rsync
 * appends its server arguments to this text; the remote login shell must be a POSIX sh (as for
 * every other remote command of pullback).
 */
export function guardedRsyncPath(root: string, rsyncPath = 'rsync'): string {
  const refusal = `${ROOT_GUARD_REFUSAL} ${root} is not a real directory now (a symlink, or below one, or missing): nothing was pushed`;
  return `cd -P -- ${shellQuote(root)} && [ "$(pwd -P)" = ${shellQuote(root)} ] || { echo ${shellQuote(refusal)} >&2; exit 126; }; exec ${rsyncPath}`;
}

/**
 * rsync argv pushing a local tree to a path on `host` (restores): exact copy, deletions included,
 * except of receiver files matching `exclude` (what the backup never held is never deleted). With
 * `guardRoot` (a key with a shell: pullback-gate allows none and guards roots itself) the receiver
 * runs inside the path only when it is a real directory (guardedRsyncPath): the path must exist.
 */
export function buildPushArgs(global: GlobalConfig, host: HostConfig, from: string, remotePath: string, exclude: readonly string[] = [], o: { controlPath?: string; guardRoot?: boolean } = {}): string[] {
  const root = remotePath.length > 1 ? remotePath.replace(/\/+$/, '') : remotePath;
  return [
    ...EXACT_COPY,
    ...common(global, host, 'restore', o.controlPath, o.guardRoot ? guardedRsyncPath(root, global.rsync.remotePath) : global.rsync.remotePath),
    ...excludes(exclude),
    '--',
    from.endsWith('/') ? from : `${from}/`,
    remoteSpec(host.address, o.guardRoot ? '.' : remotePath),
  ];
}

/**
 * As guardedRsyncPath, and the root's own modification time kept: a granular restore creates or
 * replaces entries inside it, which the file system records on the folder, but the folder itself is
 * not restored (it lies outside the selection), so its time is put back as it was when rsync ends.
 * rsync's server arguments are appended by rsync: the function receives them.
 */
export function guardedKeepTimeRsyncPath(root: string, rsyncPath = 'rsync'): string {
  const refusal = `${ROOT_GUARD_REFUSAL} ${root} is not a real directory now (a symlink, or below one, or missing): nothing was pushed`;
  const keep = `pullback_keep() { t=$(stat -c %y .) || exit 126; ${rsyncPath} "$@"; r=$?; touch -c -d "$t" . || r=126; exit $r; }; pullback_keep`;
  return `cd -P -- ${shellQuote(root)} && [ "$(pwd -P)" = ${shellQuote(root)} ] || { echo ${shellQuote(refusal)} >&2; exit 126; }; ${keep}`;
}

/**
 * rsync argv pushing some entries of a local folder (`sources`: their paths, no trailing slash, all
 * in one local folder) into `remoteRoot` on `host`: each becomes an exact copy of the local one
 * (owners, modes, times, hard links among them, ACLs, xattrs), and with `delete` what a pushed
 * folder holds beyond the local one is deleted (excluded files kept); nothing else of `remoteRoot`
 * is touched. With `guardRoot` (a key with a shell) the receiver runs inside the root only when it
 * is a real directory, and the root's time is kept (guardedKeepTimeRsyncPath). With `verify`, a dry
 * run comparing checksums that itemizes every difference (no --stats: each stdout line is one).
 */
export function buildSelectionPushArgs(
  global: GlobalConfig,
  host: HostConfig,
  sources: readonly string[],
  remoteRoot: string,
  o: { delete: boolean; exclude?: readonly string[]; controlPath?: string; guardRoot?: boolean; verify?: boolean },
): string[] {
  const root = remoteRoot.length > 1 ? remoteRoot.replace(/\/+$/, '') : remoteRoot;
  const copy = EXACT_COPY.filter((a) => (o.delete || !a.startsWith('--delete')) && (!o.verify || !['--stats', '--no-human-readable'].includes(a)));
  return [
    ...copy,
    ...(o.verify ? ['--dry-run', '--itemize-changes', '--checksum'] : []),
    ...common(global, host, 'restore', o.controlPath, o.guardRoot ? guardedKeepTimeRsyncPath(root, global.rsync.remotePath) : global.rsync.remotePath),
    ...excludes(o.exclude ?? []),
    '--',
    ...sources.map((s) => s.replace(/\/+$/, '')),
    remoteSpec(host.address, o.guardRoot ? '.' : root),
  ];
}

/** rsync argv pulling entries of one remote folder (`names` in `remoteDir`, not followed) into the local folder `dest` (a safety snapshot of a granular restore). */
export function buildSelectionPullArgs(
  global: GlobalConfig,
  host: HostConfig,
  remoteDir: string,
  names: readonly string[],
  dest: string,
  o: { exclude?: readonly string[]; controlPath?: string; asFolder?: boolean } = {},
): string[] {
  const addr = host.address.includes(':') ? `[${host.address}]` : host.address;
  const dir = remoteDir.endsWith('/') ? remoteDir : `${remoteDir}/`;
  // asFolder: the folder itself is read (DIR/, as pullback-gate allows), filtered to exactly the names.
  const only = o.asFolder ? [...names.flatMap((n) => [`--include=/${literalPattern(n)}`, `--include=/${literalPattern(n, true)}/***`]), '--exclude=*'] : [];
  return [
    ...EXACT_COPY.filter((a) => !a.startsWith('--delete')),
    '--no-devices',
    ...common(global, host, 'restore', o.controlPath),
    ...excludes(o.exclude ?? []),
    ...only,
    '--',
    // One host, several paths: the later ones as `:path` (rsync's form for more files from the same host).
    ...(o.asFolder ? [`${addr}:${dir}`] : names.map((n, i) => (i === 0 ? `${addr}:${dir}${n}` : `:${dir}${n}`))),
    dest.endsWith('/') ? dest : `${dest}/`,
  ];
}

/**
 * `name` as an rsync filter pattern matching exactly it: a pattern holding `*`, `?` or `[` is a
 * wildcard pattern, where a backslash escapes; one without them is literal. `wild`: it will be
 * followed by a wildcard (`/***`), so it is escaped whatever it holds.
 */
export function literalPattern(name: string, wild = false): string {
  return wild || /[*?[]/.test(name) ? name.replace(/[\\*?[]/g, (c) => `\\${c}`) : name;
}
