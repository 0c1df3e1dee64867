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
  /** A guarded push's remote shell refused the destination root before rsync ran there (nothing written). */
  rootRefused?: boolean;
}

/** A pull's outcome. */
export interface RsyncPullOutcome extends RsyncOutcome {
  /**
   * Bytes received over every attempt (`stats` are the last attempt's alone): a completed attempt
   * counts rsync's "Total bytes received", one cut off midway the data its progress had reported.
   */
  received: number;
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
): Promise<RsyncPullOutcome> {
  return withRetries(global, opts, async () => {
    // Progress lines always: an attempt cut off prints no statistics, and its progress is the only
    // measure of what it received before a retry sent the rest.
    const args = buildPullArgs(global, host, source, dest, { maxDelete: opts.maxDelete, progress: true, role: opts.role, controlPath: opts.controlPath?.() });
    const collector = new RsyncStatsCollector();
    const stderr = new RsyncStderrTally();
    let skippedDeletions = 0;
    let progressBytes = 0;
    let receiverBytes = 0;
    const last = await runCommand('rsync', args, {
      logger: opts.logger,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      env: { LC_ALL: 'C.UTF-8' },
      onStdoutLine: (l) => {
        const p = parseRsyncProgress(l);
        if (!p) return collector.push(l);
        progressBytes = p.bytes;
        opts.onProgress?.(p);
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
        // A connection lost midway: rsync's receiver says how much it had received (more than its last progress line).
        const said = RECEIVED_SO_FAR.exec(l);
        if (said) receiverBytes = Number(said[1]);
        opts.logger?.warn({ rsync: l }, 'rsync says');
      },
    });
    const verdict = classifyRsyncExit(exitWithoutDeleteLimit(last.exitCode, opts.maxDelete), stderr, last.timedOut);
    const crossed = Math.max(collector.stats.bytesReceived, progressBytes, receiverBytes);
    return { last, stats: collector.stats, verdict, skippedDeletions, missing: verdict.kind === 'failed' && sourceMissing(stderr), crossed };
  });
}

/** rsync's receiver on a lost connection: "connection unexpectedly closed (716754 bytes received so far) [receiver]". */
const RECEIVED_SO_FAR = /connection unexpectedly closed \((\d+) bytes received so far\) \[receiver\]/;

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
    return { last, verdict, entries, missing: sourceMissing(stderr), crossed: 0 };
  });
  return {
    verdict: out.verdict,
    entries: out.verdict.kind === 'failed' ? undefined : out.entries,
    missing: out.missing,
    attempts: out.attempts,
    last: out.last,
  };
}

/** Runs `attempt` until it is no transport failure (or attempts run out); `received` sums each attempt's `crossed` bytes. */
async function withRetries<T extends { verdict: RsyncVerdict; last: RunResult; crossed: number }>(
  global: GlobalConfig,
  opts: RsyncRunOptions,
  attempt: () => Promise<T>,
): Promise<Omit<T, 'crossed'> & { attempts: number; received: number }> {
  const max = Math.max(1, global.rsync.attempts);
  let delay = global.rsync.backoffSeconds * 1000;
  let received = 0;
  for (let n = 1; ; n++) {
    const { crossed, ...out } = await attempt();
    received += crossed;
    // Stopped by pullback's own signal, rsync's exit (255 from its killed ssh, 20, ...) says nothing about the host.
    if (opts.signal?.aborted && (out.verdict.kind === 'retry' || out.verdict.kind === 'failed')) {
      return { ...out, verdict: { kind: 'failed', reason: 'interrupted: pullback was stopped by a signal' }, attempts: n, received };
    }
    if (out.verdict.kind !== 'retry' || n >= max) {
      const verdict: RsyncVerdict =
        out.verdict.kind === 'retry' ? { kind: 'failed', reason: `${out.verdict.reason}; gave up after ${n} attempt(s)` } : out.verdict;
      return { ...out, verdict, attempts: n, received };
    }
    opts.logger?.warn({ attempt: n, of: max, delaySeconds: delay / 1000, reason: out.verdict.reason }, 'rsync transport failure, retrying');
    await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined);
    delay *= 2;
  }
}
