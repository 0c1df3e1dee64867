// Small typed questions asked of a remote host over an SSH session (free space, permissions,
// file metadata, checksums), each one argv run through SshSession.exec and parsed strictly.
import { toolErrorFrom } from '../../exec/run.js';
import { ToolError } from '../../errors.js';
import type { SshExecOptions, SshExecResult, SshSession } from './client.js';

const QUIET = { quiet: true, timeoutMs: 60_000 } as const;

export type RemoteFileType = 'file' | 'directory' | 'symlink' | 'other';

export interface RemoteStat {
  size: number;
  mtimeSeconds: number;
  type: RemoteFileType;
  /** Permission bits (e.g. 0o644). */
  mode: number;
}

/** Runs argv remotely and returns the result; throws ToolError (with `reason`) unless it exits 0. */
export async function remoteRun(
  session: SshSession,
  argv: readonly string[],
  reason: string,
  opts: SshExecOptions = {},
): Promise<SshExecResult> {
  const r = await session.exec(argv, opts);
  if (r.exitCode !== 0) throw toolErrorFrom(r, reason);
  return r;
}

/** Bytes available to the login user on the filesystem holding `path` (which must exist); throws ToolError. */
export async function remoteFreeBytes(session: SshSession, path: string): Promise<number> {
  const r = await remoteRun(session, ['df', '-Pk', '--', path], `cannot read free space of ${path}`, QUIET);
  const free = parseDfAvailableKib(r.stdout ?? '');
  if (free === undefined) throw unparsable(r, `unexpected df output for ${path}`);
  return free * 1024;
}

/** The "Available" column (KiB) of `df -Pk` output for one path, or undefined if it cannot be read. */
export function parseDfAvailableKib(out: string): number | undefined {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  // Filesystem names and mount points may contain spaces; the four numbers and the % do not.
  const m = /\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+|-)%\s+\S.*$/.exec(lines[lines.length - 1] ?? '');
  return m ? Number(m[3]) : undefined;
}

/** Whether the login user may write `path` (`test -w`); false if it does not exist. */
export async function remoteIsWritable(session: SshSession, path: string): Promise<boolean> {
  return testFlag(session, '-w', path);
}

/** Whether `path` exists (`test -e`, so a dangling symlink counts as missing). */
export async function remotePathExists(session: SshSession, path: string): Promise<boolean> {
  return testFlag(session, '-e', path);
}

/** Size, mtime, type and mode of `path` (symlinks not followed); null if it does not exist; throws ToolError. */
export async function remoteStat(session: SshSession, path: string): Promise<RemoteStat | null> {
  const r = await session.exec(['stat', '-c', '%s %Y %f', '--', path], QUIET);
  if (r.exitCode !== 0) {
    // stat's message is localised; ask again in a way whose answer is an exit code.
    if (r.exitCode === 1 && !(await testFlag(session, '-e', path)) && !(await testFlag(session, '-L', path))) return null;
    throw toolErrorFrom(r, `cannot stat ${path}`);
  }
  const st = parseStatLine(r.stdout ?? '');
  if (!st) throw unparsable(r, `unexpected stat output for ${path}`);
  return st;
}

/** Parses `stat -c '%s %Y %f'` output (size, mtime, raw mode in hex). */
export function parseStatLine(out: string): RemoteStat | undefined {
  const m = /^(\d+) (-?\d+) ([0-9a-f]+)\n?$/.exec(out);
  if (!m) return undefined;
  const raw = parseInt(m[3]!, 16);
  const fmt = raw & 0o170000;
  const type: RemoteFileType =
    fmt === 0o100000 ? 'file' : fmt === 0o040000 ? 'directory' : fmt === 0o120000 ? 'symlink' : 'other';
  return { size: Number(m[1]), mtimeSeconds: Number(m[2]), type, mode: raw & 0o7777 };
}

/** Lower-case hex SHA-256 of a remote file (`sha256sum`); throws ToolError if it cannot be read. */
export async function remoteSha256(session: SshSession, path: string, timeoutMs = 3_600_000): Promise<string> {
  const r = await remoteRun(session, ['sha256sum', '--', path], `cannot checksum ${path}`, { quiet: true, timeoutMs });
  // GNU sha256sum prefixes the line with a backslash when the file name needed escaping.
  const m = /^\\?([0-9a-f]{64}) /.exec(r.stdout ?? '');
  if (!m) throw unparsable(r, `unexpected sha256sum output for ${path}`);
  return m[1]!;
}

async function testFlag(session: SshSession, flag: string, path: string): Promise<boolean> {
  const r = await session.exec(['test', flag, path], QUIET);
  if (r.exitCode === 0) return true;
  if (r.exitCode === 1) return false;
  throw toolErrorFrom(r, `cannot test ${flag} ${path}`);
}

function unparsable(r: SshExecResult, message: string): ToolError {
  return new ToolError(message, {
    command: r.command,
    exitCode: r.exitCode,
    timedOut: false,
    durationMs: r.durationMs,
    stderrTail: [...r.stderrTail, ...(r.stdout ?? '').split('\n').slice(0, 3)],
  });
}

/** What a restore needs to know of a place on the target, asked in one remote command. */
export interface RemotePlace {
  /** The first of the candidates that exists (`test -e`). */
  checked: string;
  /** Its filesystem's device number (`stat -c %d`), undefined with `deviceError`. */
  device?: string;
  deviceError?: string;
  /** `test -w` by the login user. */
  writable: boolean;
  /** Bytes available to the login user there (`df -Pk`), undefined with `freeError`. */
  freeBytes?: number;
  freeError?: string;
}

// For the first candidate that exists: its name (NUL-terminated), then stat's device, the -w test
// and df's lines. Exit 3 when none exists.
const PLACE_SCRIPT = [
  'for q do',
  '  if [ -e "$q" ]; then',
  "    printf '%s\\0' \"$q\"",
  '    stat -c %d -- "$q" || echo',
  '    if [ -w "$q" ]; then echo 1; else echo 0; fi',
  '    df -Pk -- "$q"',
  '    exit 0',
  '  fi',
  'done',
  'exit 3',
].join('\n');

/**
 * The first existing one of `candidates` (a path, then its parents) with its device, writability
 * and free space: one remote command (`sh -c`) where each fact was one of its own. Throws ToolError
 * when the command fails or none of the candidates exists. pullback's restricted restore key
 * (pullback-gate) allows no shell: see isGateRefusal.
 */
export async function remotePlace(session: SshSession, candidates: readonly string[]): Promise<RemotePlace> {
  const r = await session.exec(['sh', '-c', PLACE_SCRIPT, 'sh', ...candidates], QUIET);
  if (r.exitCode !== 0) throw toolErrorFrom(r, r.exitCode === 3 ? `none of ${candidates.join(', ')} exists` : `cannot look at ${candidates[0]}`);
  const out = r.stdout ?? '';
  const nul = out.indexOf('\0');
  if (nul < 0) throw unparsable(r, `unexpected answer about ${candidates[0]}`);
  const [device = '', writable = '', ...df] = out.slice(nul + 1).split('\n');
  const free = parseDfAvailableKib(df.join('\n'));
  return {
    checked: out.slice(0, nul),
    ...(/^\d+$/.test(device.trim()) ? { device: device.trim() } : { deviceError: `cannot stat ${out.slice(0, nul)}` }),
    writable: writable.trim() === '1',
    ...(free === undefined ? { freeError: `cannot read free space of ${out.slice(0, nul)}` } : { freeBytes: free * 1024 }),
  };
}

/** Whether a remote command was refused by pullback-gate, the forced command of pullback's restricted keys. */
export function isGateRefusal(e: unknown): boolean {
  return e instanceof ToolError && e.details.exitCode === 126 && e.details.stderrTail.some((l) => l.startsWith('pullback-gate: refused'));
}

/** A path looked at without following it or any of its parents (restores never write through a symlink). */
export type RemoteRootLook =
  | { kind: 'directory' }
  | { kind: 'missing' }
  | { kind: 'other' }
  /** `at`: the path or the parent that is a symlink (nearest first); `to`: what it points to (readlink). */
  | { kind: 'symlink'; at: string; to: string };

// The first candidate (the path, then its parents) that is a symlink: its name (NUL-terminated)
// and readlink's answer, exit 4. Else exit 0 for a directory, 5 for something else, 3 for nothing.
const ROOT_SCRIPT = [
  'for q do',
  '  if [ -L "$q" ]; then',
  "    printf '%s\\0' \"$q\"",
  '    readlink -- "$q"',
  '    exit 4',
  '  fi',
  'done',
  'if [ -d "$1" ]; then exit 0; fi',
  'if [ -e "$1" ]; then exit 5; fi',
  'exit 3',
].join('\n');

/**
 * Whether `candidates[0]` is a real directory, none of `candidates` (it and its parents) being a
 * symlink: one remote command (`sh -c`). Throws ToolError when the command fails (pullback-gate
 * allows no shell: see isGateRefusal).
 */
export async function remoteRootLook(session: SshSession, candidates: readonly string[]): Promise<RemoteRootLook> {
  const r = await session.exec(['sh', '-c', ROOT_SCRIPT, 'sh', ...candidates], QUIET);
  if (r.exitCode === 0) return { kind: 'directory' };
  if (r.exitCode === 3) return { kind: 'missing' };
  if (r.exitCode === 5) return { kind: 'other' };
  if (r.exitCode !== 4) throw toolErrorFrom(r, `cannot look at ${candidates[0]}`);
  const out = r.stdout ?? '';
  const nul = out.indexOf('\0');
  if (nul < 0) throw unparsable(r, `unexpected answer about ${candidates[0]}`);
  return { kind: 'symlink', at: out.slice(0, nul), to: out.slice(nul + 1).replace(/\n$/, '') };
}

/** pullback-gate's words for an allowed root that is (or lies below) a symlink: `'ROOT' is a symlink or lies below one (it leads to 'TARGET' now)`. */
// (Python's repr: single quotes, or double ones around a name holding a single quote.)
const GATE_LINKED = /^pullback-gate: refused: (['"])(.*)\1 is a symlink or lies below one \(it leads to (['"])(.*)\3 now\)/;

/** The root and where it leads when pullback-gate refused a command because an allowed root is (or lies below) a symlink. */
export function gateLinkedRoot(stderrTail: readonly string[]): { root: string; to: string } | undefined {
  for (const l of stderrTail) {
    const m = GATE_LINKED.exec(l);
    if (m) return { root: m[2]!, to: m[4]! };
  }
  return undefined;
}
