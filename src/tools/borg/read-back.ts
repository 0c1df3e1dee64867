// `borg extract --dry-run --list` as a read-back: borg reads and verifies every chunk of an archive
// and names each file as it starts it, so the last file named before a data integrity error is the
// unreadable one. borg 1.2 stops at the first such error, so a search is a loop: the next attempt
// leaves out the files already found (`-pf:` patterns) until the archive reads to its end or a bound is hit.
import { tmpdir } from 'node:os';
import { LOCK_WAIT } from './flags.js';
import { runBorg, type BorgContext } from './run.js';
import { borgReason } from './stderr.js';

/** The argv of one read-back of `archive`, leaving out `skip` (exact archive paths). */
export function buildReadBackArgs(repo: string, archive: string, skip: readonly string[]): string[] {
  return ['extract', ...LOCK_WAIT, '--dry-run', '--list', ...skip.map((p) => `--pattern=-pf:${p}`), `${repo}::${archive}`];
}

/** borg's words for a chunk it could not read back (a segment CRC, a MAC, a missing object). */
const INTEGRITY = /^(Data integrity error|borg\.helpers\.errors\.IntegrityError|.*IntegrityError:|Object with key .* not found in repository)/;
/** A file borg already knows holds all-zero replacement chunks (after `borg check --repair`): a warning, and it goes on. */
const ZEROED = /^(.*): File has damaged \(all-zero\) chunks\./;
/** The lines of a traceback and borg's platform footer: never a file name. */
const NOT_A_PATH = /^(Traceback |\s|Platform:|Linux:|Borg:|PID:|sys\.argv:|SSH_ORIGINAL_COMMAND:|Exception ignored|[a-zA-Z_.]+Error\b)/;

const TAIL_LINES = 20;

export interface ReadBackAttempt {
  /** The file borg stopped at (unreadable), if it stopped at one. */
  stoppedAt?: string;
  /** Files borg read through but reported as holding all-zero chunks. */
  zeroed: string[];
  /** borg's reason, when it stopped for an integrity error. */
  reason?: string;
  /** The archive read to its end (exit 0 or a warning). */
  finished: boolean;
  /** What went wrong when borg failed for another reason (nothing named). */
  error?: string;
}

/** Reads one attempt's borg output line by line (an archive's --list can be millions of lines: only the last is kept). */
export class ReadBackParser {
  private last: string | undefined;
  private stoppedAt: string | undefined;
  private reason: string | undefined;
  /** The last lines borg said (bounded): its reason when it failed for another cause. */
  private readonly tail: string[] = [];
  private readonly zeroed: string[] = [];

  push(l: string): void {
    if (l.trim() !== '') {
      this.tail.push(l);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
    }
    if (this.reason !== undefined) return;
    if (INTEGRITY.test(l)) {
      this.reason = l.trim();
      this.stoppedAt = this.last;
      return;
    }
    const z = ZEROED.exec(l);
    if (z) this.zeroed.push(z[1]!);
    else if (l !== '' && !NOT_A_PATH.test(l)) this.last = l;
  }

  /** The attempt's outcome once borg has exited with `exitCode`. */
  result(exitCode: number | undefined): ReadBackAttempt {
    const zeroed = [...this.zeroed];
    if (exitCode === 0 || exitCode === 1) return { zeroed, finished: true };
    if (this.stoppedAt) return { stoppedAt: this.stoppedAt, ...(this.reason ? { reason: this.reason } : {}), zeroed, finished: false };
    return { zeroed, finished: false, error: this.reason ?? (borgReason(this.tail) || undefined) ?? `borg extract --dry-run exited ${exitCode ?? 'by a signal'}` };
  }
}

/** One attempt's outcome from all its lines. Pure. */
export function parseReadBack(lines: readonly string[], exitCode: number | undefined): ReadBackAttempt {
  const p = new ReadBackParser();
  for (const l of lines) p.push(l);
  return p.result(exitCode);
}

export interface ReadBackOptions {
  /** At most this many unreadable files per archive (one borg read per file found). */
  maxFiles: number;
  /** No new attempt starts after this time (ms since the epoch); the one running is stopped at it. */
  deadline: number;
}

export interface ReadBackResult {
  damaged: string[];
  /** The archive was read to its end: every other file in it is readable. */
  complete: boolean;
  error?: string;
}

/** Reads `archive` back, naming every file borg cannot read (within the bounds). Never throws for borg's failures. */
export async function readBackArchive(ctx: BorgContext, repo: string, archive: string, o: ReadBackOptions): Promise<ReadBackResult> {
  const damaged: string[] = [];
  for (;;) {
    const left = o.deadline - Date.now();
    if (left <= 0) return { damaged, complete: false, error: 'the time for the search ran out' };
    const p = new ReadBackParser();
    const out = await runBorg(ctx, buildReadBackArgs(repo, archive, damaged), { cwd: tmpdir(), quiet: true, timeoutMs: left, onStderrLine: (l) => p.push(l), onStdoutLine: (l) => p.push(l) });
    if (out.result.timedOut) return { damaged, complete: false, error: 'the time for the search ran out' };
    const a = p.result(out.result.exitCode);
    for (const z of a.zeroed) if (!damaged.includes(z)) damaged.push(z);
    if (a.finished) return { damaged, complete: true };
    if (!a.stoppedAt || damaged.includes(a.stoppedAt)) return { damaged, complete: false, error: a.error ?? a.reason ?? 'borg stopped without naming a file' };
    damaged.push(a.stoppedAt);
    if (damaged.length >= o.maxFiles) return { damaged, complete: false, error: `stopped after ${o.maxFiles} unreadable files` };
  }
}
