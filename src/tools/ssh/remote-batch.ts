// File metadata and checksums of many remote files in few round trips (drills ask about hundreds
// of files): GNU `stat --printf` and `sha256sum -z` over batches of paths, NUL-separated output
// (any byte but NUL may be in a name), parsed strictly. Paths missing from an answer are
// reported as unanswered, and the caller asks about those one by one (remote.ts).
import type { SshSession } from './client.js';
import { parseStatLine, type RemoteStat } from './remote.js';

/** Bytes of quoted paths per remote command (sh -c receives the command as one argument, max 128 KiB). */
const BATCH_CHARS = 32 * 1024;
const BATCH_PATHS = 200;

/** Splits paths into batches that fit one remote command line. */
export function remoteBatches(paths: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let chars = 0;
  for (const p of paths) {
    const cost = p.length * 2 + 4; // worst case of quoting every character
    if (cur.length > 0 && (chars + cost > BATCH_CHARS || cur.length >= BATCH_PATHS)) {
      out.push(cur);
      cur = [];
      chars = 0;
    }
    cur.push(p);
    chars += cost;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** argv printing `size mtime rawmode name\0` per path that exists (symlinks not followed). */
export function buildStatManyArgv(paths: readonly string[]): string[] {
  return ['stat', '--printf', '%s %Y %f %n\\0', '--', ...paths];
}

/** Parses buildStatManyArgv output into name -> stat. */
export function parseStatMany(out: string): Map<string, RemoteStat> {
  const res = new Map<string, RemoteStat>();
  for (const rec of out.split('\0')) {
    const m = /^(\d+ -?\d+ [0-9a-f]+) ([\s\S]*)$/.exec(rec);
    if (!m) continue;
    const st = parseStatLine(m[1]!);
    if (st) res.set(m[2]!, st);
  }
  return res;
}

/** argv printing `sha256  name\0` per readable path, names unescaped. */
export function buildSha256ManyArgv(paths: readonly string[]): string[] {
  return ['sha256sum', '-z', '--', ...paths];
}

/** Parses buildSha256ManyArgv output into name -> lower-case hex SHA-256. */
export function parseSha256Many(out: string): Map<string, string> {
  const res = new Map<string, string>();
  for (const rec of out.split('\0')) {
    const m = /^([0-9a-f]{64}) [ *]([\s\S]*)$/.exec(rec);
    if (m) res.set(m[2]!, m[1]!);
  }
  return res;
}

/** Stats of those `paths` the remote answered for (missing or unreadable ones are absent). */
export async function remoteStatMany(session: SshSession, paths: readonly string[], timeoutMs = 300_000): Promise<Map<string, RemoteStat>> {
  const res = new Map<string, RemoteStat>();
  for (const batch of remoteBatches(paths)) {
    // Exit 1 when some path is missing: the answered ones are still right.
    const r = await session.exec(buildStatManyArgv(batch), { quiet: true, timeoutMs });
    if (r.stdoutTruncated) continue;
    for (const [k, v] of parseStatMany(r.stdout ?? '')) res.set(k, v);
  }
  return res;
}

/** SHA-256 of those `paths` the remote could read (others are absent). */
export async function remoteSha256Many(session: SshSession, paths: readonly string[], timeoutMs = 3_600_000): Promise<Map<string, string>> {
  const res = new Map<string, string>();
  for (const batch of remoteBatches(paths)) {
    const r = await session.exec(buildSha256ManyArgv(batch), { quiet: true, timeoutMs });
    if (r.stdoutTruncated) continue;
    for (const [k, v] of parseSha256Many(r.stdout ?? '')) res.set(k, v);
  }
  return res;
}
