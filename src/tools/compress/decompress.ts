// Reading a compressed dump (gzip, zstd, xz, bzip2) through its own compressor: one full pass that
// is the compressor's integrity test (a truncated or damaged stream makes it exit non-zero) and
// also yields the decompressed head (to know the engine) and last lines (the dump's trailer).
import { closeSync, openSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { reasonOf } from '../../exec/stderr.js';
import { runCommand } from '../../exec/run.js';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'bzip2';

/** The compression of a file judged by its magic bytes, or undefined. */
export function compressionOf(head: Buffer): Compression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head.subarray(0, 3).toString('latin1') === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  return undefined;
}

/** argv decompressing `file` to stdout (each tool fails on a truncated or corrupt stream). */
export function buildDecompressArgs(c: Compression, file: string): string[] {
  switch (c) {
    case 'gzip':
      return ['gzip', '--decompress', '--stdout', '--', file];
    case 'zstd':
      return ['zstd', '--decompress', '--stdout', '--quiet', '--', file];
    case 'xz':
      return ['xz', '--decompress', '--stdout', '--', file];
    case 'bzip2':
      return ['bzip2', '--decompress', '--stdout', '--', file];
  }
}

export interface DecompressedRead {
  /** The first bytes of the decompressed content (about `headBytes`, whole lines). */
  head: Buffer;
  /** The last non-blank lines of the decompressed content. */
  tail: string[];
  /** Why the compressor rejected the file; undefined when it read it whole. */
  problem?: string;
}

/** The file name a decompressed copy of `file` gets: its compression suffix dropped, else `.decompressed` added. */
export function decompressedName(file: string): string {
  const m = /^(.+?)\.(gz|zst|xz|bz2|tgz)$/i.exec(file);
  return m && !m[1]!.endsWith('/') ? m[1]! : `${file}.decompressed`;
}

/**
 * Decompresses `file` into `dest` (created 0600, must not exist): the compressor writes straight
 * into it, so binary formats (pg_dump custom, SQLite) survive. Returns why the compressor rejected
 * the file (dest removed then), undefined when it was read whole.
 */
export async function decompressToFile(c: Compression, file: string, dest: string, opts: { logger?: Logger; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string | undefined> {
  const [cmd, ...args] = buildDecompressArgs(c, file);
  const fd = openSync(dest, 'wx', 0o600);
  let r;
  try {
    r = await runCommand(cmd!, args, { logger: opts.logger, signal: opts.signal, timeoutMs: opts.timeoutMs, env: { LC_ALL: 'C' }, stdoutFd: fd });
  } finally {
    closeSync(fd);
  }
  if (r.exitCode === 0) return undefined;
  rmSync(dest, { force: true });
  const why = r.timedOut ? 'timed out' : r.exitCode === undefined ? `killed (${r.signal ?? 'signal'})` : `exit ${r.exitCode}`;
  const said = reasonOf(r);
  return `${cmd} cannot read it whole (${why})${said ? `: ${said}` : ''}: the compressed file is truncated or damaged`;
}

/** Decompresses `file` whole, keeping its head and last lines; never throws for the file's own damage. */
export async function readCompressed(
  c: Compression,
  file: string,
  opts: { logger?: Logger; signal?: AbortSignal; timeoutMs?: number; headBytes?: number; tailLines?: number } = {},
): Promise<DecompressedRead> {
  const headBytes = opts.headBytes ?? 4096;
  const tailLines = opts.tailLines ?? 3;
  const head: string[] = [];
  let headLength = 0;
  const tail: string[] = [];
  const [cmd, ...args] = buildDecompressArgs(c, file);
  const r = await runCommand(cmd!, args, {
    logger: opts.logger,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    env: { LC_ALL: 'C' },
    onStdoutLine: (l) => {
      if (headLength < headBytes) {
        head.push(l);
        headLength += l.length + 1;
      }
      if (l.trim() === '') return;
      tail.push(l.replace(/\r$/, ''));
      if (tail.length > tailLines) tail.shift();
    },
  });
  const out: DecompressedRead = { head: Buffer.from(head.join('\n'), 'utf8'), tail };
  if (r.exitCode !== 0) {
    const why = r.timedOut ? 'timed out' : r.exitCode === undefined ? `killed (${r.signal ?? 'signal'})` : `exit ${r.exitCode}`;
    const said = reasonOf(r);
    out.problem = `${cmd} cannot read it whole (${why})${said ? `: ${said}` : ''}: the compressed file is truncated or damaged`;
  }
  return out;
}
