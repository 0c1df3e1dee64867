// Running rsync pulls and probes: retries transport failures with backoff, streams output.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { GlobalConfig, HostConfig, SourceConfig, SshRole } from '../../config/types.js';
import { runCommand, type RunResult } from '../../exec/run.js';
import { buildProbeArgs, buildPullArgs } from './args.js';
import { classifyRsyncExit, type RsyncVerdict } from './exit-codes.js';
import { exitWithoutDeleteLimit, isMaxDeleteLine, parseSkippedDeletions } from './max-delete.js';
import { RsyncStderrTally, sourceMissing } from './stderr-tally.js';
import { parseRsyncProgress, type RsyncProgress } from './progress.js';
import { RsyncStatsCollector, type RsyncStats } from './stats.js';

export interface RsyncOutcome {
  verdict: RsyncVerdict;
  stats: RsyncStats;
  attempts: number;
  last: RunResult;
  /** Deletions rsync held back because of --max-delete (0 when none, or when no limit was given). */
  skippedDeletions?: number;
  /** rsync said the source directory does not exist (a pull that is also the night's first look at the source). */
  missing?: boolean;
}


export interface RsyncRunOptions {
  logger?: Logger;
  signal?: AbortSignal;
  /** Hard limit per attempt, on top of rsync's own --timeout. */
  timeoutMs?: number;
  /** The host's shared SSH connection (tools/ssh/mux.ts), asked before each attempt: a dead master means a login of its own. */
  controlPath?: () => string | undefined;
}

export interface RsyncPullOptions extends RsyncRunOptions {
  /** rsync --max-delete: 0 copies everything but deletes nothing (the shrink guard's first pass). */
  maxDelete?: number;
  /** Whose key logs in: 'pull' (the default, nightly pulls) or 'restore' (a restore's safety snapshot of the target). */
  role?: SshRole;
  /** Called with each --info=progress2 line's progress; given, rsync is asked for those lines. */
  onProgress?: (p: RsyncProgress) => void;
}

/** Pulls `source` into `dest`, retrying transport failures; resolves with the final verdict (never throws on exit codes). */
export async function rsyncPull(
  global: GlobalConfig,
  host: HostConfig,
  source: SourceConfig,
  dest: string,
  opts: RsyncPullOptions = {},
): Promise<RsyncOutcome> {
  return withRetries(global, opts, async () => {
    const args = buildPullArgs(global, host, source, dest, { maxDelete: opts.maxDelete, progress: opts.onProgress !== undefined, role: opts.role, controlPath: opts.controlPath?.() });
    const collector = new RsyncStatsCollector();
    const stderr = new RsyncStderrTally();
    let skippedDeletions = 0;
    const last = await runCommand('rsync', args, {
      logger: opts.logger,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      env: { LC_ALL: 'C.UTF-8' },
      onStdoutLine: (l) => {
        const p = opts.onProgress && parseRsyncProgress(l);
        if (p) opts.onProgress!(p);
        else collector.push(l);
      },
      onStderrLine: (l) => {
        // The limit we asked for held deletions back: counted (the guard judges them), not an error
        // to tell the operator, and not an error line for the exit-23 verdict either.
        if (opts.maxDelete !== undefined && isMaxDeleteLine(l)) {
          skippedDeletions = parseSkippedDeletions(l) ?? skippedDeletions;
          opts.logger?.debug({ rsync: l }, 'rsync held deletions back (--max-delete)');
          return;
        }
        // Every line is counted for the exit-23 verdict; only a bounded sample is kept.
        stderr.push(l);
        opts.logger?.warn({ rsync: l }, 'rsync says');
      },
    });
    const verdict = classifyRsyncExit(exitWithoutDeleteLimit(last.exitCode, opts.maxDelete), stderr, last.timedOut);
    return { last, stats: collector.stats, verdict, skippedDeletions, missing: verdict.kind === 'failed' && sourceMissing(stderr) };
  });
}

export interface ProbeOutcome {
  verdict: RsyncVerdict;
  /** Top-level entries of the source (excluding `.`); undefined when the probe failed. */
  entries?: number;
  missing: boolean;
  attempts: number;
  last: RunResult;
}

/** Lists the top level of a source to tell "missing" and "empty" apart from a normal source. */
export async function rsyncProbe(global: GlobalConfig, host: HostConfig, source: SourceConfig, opts: RsyncRunOptions = {}): Promise<ProbeOutcome> {
  const out = await withRetries(global, opts, async () => {
    const args = buildProbeArgs(global, host, source, { controlPath: opts.controlPath?.() });
    let entries = 0;
    const stderr = new RsyncStderrTally();
    const last = await runCommand('rsync', args, {
      logger: opts.logger,
      quiet: true,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      env: { LC_ALL: 'C.UTF-8' },
      onStdoutLine: (l) => {
        const name = /^\S+\s+\d+\s+\S+\s+\S+\s(.*)$/.exec(l)?.[1];
        if (name !== undefined && name !== '.') entries++;
      },
      onStderrLine: (l) => stderr.push(l),
    });
    const verdict = classifyRsyncExit(last.exitCode, stderr, last.timedOut);
    return { last, verdict, entries, missing: sourceMissing(stderr), stats: undefined as never };
  });
  return {
    verdict: out.verdict,
    entries: out.verdict.kind === 'failed' ? undefined : out.entries,
    missing: out.missing,
    attempts: out.attempts,
    last: out.last,
  };
}

async function withRetries<T extends { verdict: RsyncVerdict; last: RunResult }>(
  global: GlobalConfig,
  opts: RsyncRunOptions,
  attempt: () => Promise<T>,
): Promise<T & { attempts: number }> {
  const max = Math.max(1, global.rsync.attempts);
  let delay = global.rsync.backoffSeconds * 1000;
  for (let n = 1; ; n++) {
    const out = await attempt();
    if (out.verdict.kind !== 'retry' || n >= max || opts.signal?.aborted) {
      const verdict: RsyncVerdict =
        out.verdict.kind === 'retry' ? { kind: 'failed', reason: `${out.verdict.reason}; gave up after ${n} attempt(s)` } : out.verdict;
      return { ...out, verdict, attempts: n };
    }
    opts.logger?.warn({ attempt: n, of: max, delaySeconds: delay / 1000, reason: out.verdict.reason }, 'rsync transport failure, retrying');
    await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined);
    delay *= 2;
  }
}
