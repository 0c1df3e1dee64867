// Listing a remote tree with rsync itself (`--list-only --recursive`, read-only), with a source's
// excludes: rsync's own pattern semantics decide what is listed, so the listing is exactly what a
// push with --delete could delete. Names come back escaped (`\#ooo` per byte rsync does not print
// in the C locale) and are decoded to their raw bytes.
import type { GlobalConfig, HostConfig } from '../../config/types.js';
import { runCommand, type RunResult } from '../../exec/run.js';
import { buildListTreeArgs } from './args.js';
import { classifyRsyncExit, type RsyncVerdict } from './exit-codes.js';
import { RsyncStderrTally, sourceMissing } from './stderr-tally.js';
import type { RsyncRunOptions } from './run.js';

export interface ListedEntry {
  /** First letter of the mode: '-' file, 'd' directory, 'l' symlink, 'p' fifo, ... */
  type: string;
  size: number;
  /** Modification time as rsync prints it, to the second in this machine's local time: `YYYY/MM/DD HH:MM:SS`. */
  mtime: string;
  /** The path below the listed root, as raw bytes ('.' is the root itself). */
  name: Buffer;
}

export interface ListOutcome {
  verdict: RsyncVerdict;
  /** The listed path does not exist (nothing there to delete or count). */
  missing: boolean;
  last: RunResult;
}

/** One line of `rsync --list-only --no-human-readable` output, or undefined for anything else. */
export function parseListLine(line: string): ListedEntry | undefined {
  const m = /^(\S)\S*\s+(\d+) (\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d) (.+)$/.exec(line);
  if (!m) return undefined;
  return { type: m[1]!, size: Number(m[2]), mtime: m[3]!, name: decodeRsyncName(m[4]!) };
}

/** The raw bytes of a name as rsync prints it: `\#ooo` is the byte with octal value ooo, anything else itself (UTF-8). */
export function decodeRsyncName(printed: string): Buffer {
  const parts: Buffer[] = [];
  let plain = '';
  for (let i = 0; i < printed.length; i++) {
    const esc = /^\\#([0-7]{3})/.exec(printed.slice(i, i + 5));
    if (esc) {
      if (plain) parts.push(Buffer.from(plain, 'utf8'));
      plain = '';
      parts.push(Buffer.from([parseInt(esc[1]!, 8) & 0xff]));
      i += 4;
    } else plain += printed[i];
  }
  if (plain) parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts);
}

/** Lists `remotePath` on `host` recursively (excludes applied), streaming each entry (with `entry`, the path itself: one file); never throws on exit codes. */
export async function rsyncListTree(
  global: GlobalConfig,
  host: HostConfig,
  remotePath: string,
  exclude: readonly string[],
  onEntry: (e: ListedEntry) => void,
  opts: RsyncRunOptions & { entry?: boolean } = {},
): Promise<ListOutcome> {
  const stderr = new RsyncStderrTally();
  const last = await runCommand('rsync', buildListTreeArgs(global, host, remotePath, exclude, { controlPath: opts.controlPath?.(), entry: opts.entry }), {
    logger: opts.logger,
    quiet: true,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    // The C locale makes rsync escape every byte outside printable ASCII, so names decode exactly.
    env: { LC_ALL: 'C' },
    onStdoutLine: (l) => {
      const e = parseListLine(l);
      if (e) onEntry(e);
    },
    onStderrLine: (l) => stderr.push(l),
  });
  const missing = sourceMissing(stderr);
  let verdict = classifyRsyncExit(last.exitCode, stderr, last.timedOut);
  // A listing that vanished files (24) or could not read some (23) is incomplete: not a basis for figures.
  if (verdict.kind !== 'ok' && !missing) verdict = { kind: 'failed', reason: 'reason' in verdict ? verdict.reason : `exited ${last.exitCode}` };
  return { verdict, missing, last };
}
