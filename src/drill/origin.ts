// The origin side of a drill: the sampled files' current state on the main server over SSH
// (stat, and a SHA-256 only when size and mtime still match the archive). Never the mirror.
// Files are asked about in batches; a file the batch left unanswered is asked about alone, which
// tells a missing file from an unreadable one.
import { posix } from 'node:path';
import type { Logger } from 'pino';
import type { HostConfig, SshConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { originUnchanged, type OriginObservation } from './verdict.js';
import { connectSsh, type SshSession } from '../tools/ssh/client.js';
import { muxSession } from '../tools/ssh/mux-session.js';
import { remoteSha256, remoteStat, type RemoteStat } from '../tools/ssh/remote.js';
import { remoteSha256Many, remoteStatMany } from '../tools/ssh/remote-batch.js';
import { remoteXattrs } from '../tools/attr/xattrs.js';

export interface OriginQuery {
  /** Absolute path on the main server; undefined when the source is unknown. */
  originPath?: string;
  archivedSize: number;
  archivedMtimeSeconds: number;
}

/** The origin path of an archived file: the source's directory joined with the path inside the source. */
export function originPath(sourceDir: string, rest: string): string {
  return posix.join(sourceDir, rest);
}

/** borg's item mtime (ISO local time, microseconds) as whole seconds since the epoch. */
export function archivedMtimeSeconds(mtime: string): number {
  return Math.floor(Date.parse(mtime) / 1000);
}

/**
 * Observes each queried file on the origin. A connection failure makes every observation
 * 'unchecked' (with the reason); a failure on one file makes only that one unchecked.
 */
export async function observeOrigins(
  host: Pick<HostConfig, 'address' | 'port' | 'user' | 'name'>,
  ssh: SshConfig,
  queries: readonly OriginQuery[],
  opts: { signal?: AbortSignal; logger?: Logger; controlPath?: () => string | undefined } = {},
): Promise<OriginObservation[]> {
  if (queries.length === 0) return [];
  let session: SshSession;
  // In a nightly run the night's shared connection (the same pull key) is still up: no second login.
  const shared = opts.controlPath?.();
  try {
    session = shared ? muxSession(ssh, host, shared, opts.logger) : await connectSsh({ address: host.address, port: host.port, user: host.user, name: host.name }, ssh, opts);
  } catch (e) {
    const reason = `origin not reachable: ${describeError(e)}`;
    return queries.map(() => ({ kind: 'unchecked', reason }));
  }
  try {
    return await observe(session, queries);
  } catch (e) {
    const reason = `origin check failed: ${describeError(e)}`;
    return queries.map(() => ({ kind: 'unchecked', reason }));
  } finally {
    session.close();
  }
}

async function observe(session: SshSession, queries: readonly OriginQuery[]): Promise<OriginObservation[]> {
  const paths = [...new Set(queries.flatMap((q) => (q.originPath === undefined ? [] : [q.originPath])))];
  const before = await statAll(session, paths);
  const toHash = queries.filter((q) => q.originPath !== undefined && isUnchanged(before.get(q.originPath), q)).map((q) => q.originPath!);
  // The hashes, and the ACLs and xattrs (with the ctime telling whether they changed since the
  // backup) of the same files: two channels of the one connection at once.
  const [hashes, attrs] = await Promise.all([hashAll(session, toHash), remoteXattrs(session, toHash)]);
  // A file written to while we read it: its hash says nothing about the backup, so look again.
  const after = await statAll(session, toHash);

  return queries.map((q): OriginObservation => {
    if (q.originPath === undefined) return { kind: 'unchecked', reason: 'its source is no longer configured' };
    const st = before.get(q.originPath);
    if (st === undefined) return { kind: 'unchecked', reason: 'origin check failed: stat gave no answer for it' };
    if (st instanceof Error) return { kind: 'unchecked', reason: `cannot stat it on the origin: ${st.message}` };
    if (st === null) return { kind: 'missing' };
    const present = { kind: 'present' as const, type: st.type, size: st.size, mtimeSeconds: st.mtimeSeconds };
    if (!isUnchanged(st, q)) return present;
    const st2 = after.get(q.originPath);
    if (st2 === null) return { kind: 'missing' };
    if (st2 instanceof Error || st2 === undefined) return { kind: 'unchecked', reason: `cannot stat it on the origin after hashing: ${st2?.message ?? 'no answer'}` };
    if (st2.size !== st.size || st2.mtimeSeconds !== st.mtimeSeconds) return { kind: 'present', type: st2.type, size: st2.size, mtimeSeconds: st2.mtimeSeconds };
    const sha = hashes.get(q.originPath);
    if (sha instanceof Error) return { kind: 'unchecked', reason: `cannot read it on the origin: ${sha.message}` };
    const xattrs = attrs.xattrs.get(q.originPath);
    return {
      ...present,
      sha256: sha,
      xattrs,
      ctimeSeconds: attrs.ctimeSeconds.get(q.originPath),
      ...(xattrs === undefined ? { xattrsError: attrs.error ?? 'getfattr gave no answer for it' } : {}),
    };
  });
}

function isUnchanged(st: RemoteStat | Error | null | undefined, q: OriginQuery): boolean {
  if (!st || st instanceof Error) return false;
  return originUnchanged({ kind: 'present', type: st.type, size: st.size, mtimeSeconds: st.mtimeSeconds }, q.archivedSize, q.archivedMtimeSeconds);
}

/** path -> stat, null when missing, the error when it could not be asked (reported as unchecked, with it). */
async function statAll(session: SshSession, paths: readonly string[]): Promise<Map<string, RemoteStat | Error | null>> {
  const out = new Map<string, RemoteStat | Error | null>(await remoteStatMany(session, paths));
  for (const p of paths) {
    if (out.has(p)) continue;
    try {
      out.set(p, await remoteStat(session, p));
    } catch (e) {
      out.set(p, new Error(withoutPath(e, p)));
    }
  }
  return out;
}

async function hashAll(session: SshSession, paths: readonly string[]): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>(await remoteSha256Many(session, paths));
  for (const p of paths) {
    if (out.has(p)) continue;
    try {
      out.set(p, await remoteSha256(session, p));
    } catch (e) {
      out.set(p, new Error(withoutPath(e, p)));
    }
  }
  return out;
}

/**
 * Why `path` could not be read, without the path (the drill lists the files apart): files that
 * failed alike (a refusal, a permission) then share one reason, said once for all of them.
 */
export function withoutPath(e: unknown, path: string): string {
  let m = describeError(e);
  for (const prefix of [`cannot stat ${path}: `, `cannot checksum ${path}: `]) if (m.startsWith(prefix)) m = m.slice(prefix.length);
  return m.split(`'${path}'`).join('the file').split(path).join('the file');
}
