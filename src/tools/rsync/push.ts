// Running rsync pushes (restores): a local tree made the exact content of a path on a host,
// transport failures retried with backoff like pulls (a push is idempotent).
import { setTimeout as sleep } from 'node:timers/promises';
import type { GlobalConfig, HostConfig } from '../../config/types.js';
import { runCommand } from '../../exec/run.js';
import { buildPushArgs, ROOT_GUARD_REFUSAL } from './args.js';
import { classifyRsyncExit, type RsyncVerdict } from './exit-codes.js';
import { RsyncStderrTally } from './stderr-tally.js';
import type { RsyncOutcome, RsyncRunOptions } from './run.js';
import { RsyncStatsCollector } from './stats.js';

export interface PushOptions extends RsyncRunOptions {
  /** The source's exclude patterns: receiver files matching them are neither sent nor deleted. */
  exclude?: readonly string[];
  /** Receive only inside `remotePath` as a real directory, checked in the same remote command (buildPushArgs); needs a shell there. */
  guardRoot?: boolean;
}

/** Pushes `from/` to `remotePath` on `host` (deletions included, excluded files kept); resolves with the final verdict (never throws on exit codes). */
export async function rsyncPush(
  global: GlobalConfig,
  host: HostConfig,
  from: string,
  remotePath: string,
  opts: PushOptions = {},
): Promise<RsyncOutcome> {
  const max = Math.max(1, global.rsync.attempts);
  let delay = global.rsync.backoffSeconds * 1000;
  for (let n = 1; ; n++) {
    // Asked each attempt: a master that died since means a login of its own.
    const args = buildPushArgs(global, host, from, remotePath, opts.exclude ?? [], { controlPath: opts.controlPath?.(), guardRoot: opts.guardRoot });
    const collector = new RsyncStatsCollector();
    const stderr = new RsyncStderrTally();
    let receiverError: string | undefined;
    let rootRefused: string | undefined;
    const watchdog = stallWatchdog(global, opts.signal);
    const last = await runCommand('rsync', args, {
      logger: opts.logger,
      signal: watchdog.signal,
      timeoutMs: opts.timeoutMs,
      env: { LC_ALL: 'C.UTF-8' },
      onStdoutLine: (l) => collector.push(l),
      onStderrLine: (l) => {
        stderr.push(l);
        if (receiverError === undefined && RECEIVER_ERROR.test(l)) receiverError = l;
        if (rootRefused === undefined && l.startsWith(ROOT_GUARD_REFUSAL)) rootRefused = l.slice(ROOT_GUARD_REFUSAL.length).trim();
        watchdog.onStderr(l);
        opts.logger?.warn({ rsync: l }, 'rsync says');
      },
    }).finally(() => watchdog.dispose());
    // The remote shell refused the root before rsync started there: nothing was written, and a retry would be refused again.
    if (rootRefused !== undefined) return { verdict: { kind: 'failed', reason: rootRefused }, stats: collector.stats, attempts: n, last, rootRefused: true };
    // On a push, a "vanished" file is one of our own staging files: never expected, so not a warning.
    let verdict: RsyncVerdict = classifyRsyncExit(last.exitCode, stderr, last.timedOut);
    if (verdict.kind === 'warning') verdict = { kind: 'failed', reason: verdict.reason };
    // rsync's own --timeout (exit 30) and the watchdog race to stop the same stall: either way the
    // receiver error is the cause, and retrying would stall again.
    if (watchdog.fired || (receiverError !== undefined && last.exitCode === 30)) {
      return { verdict: { kind: 'failed', reason: `rsync stalled after a receiver error and was stopped: ${receiverError}` }, stats: collector.stats, attempts: n, last };
    }
    if (verdict.kind !== 'retry' || n >= max || opts.signal?.aborted) {
      if (verdict.kind === 'retry') verdict = { kind: 'failed', reason: `${verdict.reason}; gave up after ${n} attempt(s)` };
      return { verdict, stats: collector.stats, attempts: n, last };
    }
    opts.logger?.warn({ attempt: n, of: max, delaySeconds: delay / 1000, reason: verdict.reason }, 'rsync transport failure, retrying');
    await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined);
    delay *= 2;
  }
}

/** A receiver-side error about one file: the push can no longer succeed (exit 23 at best). */
const RECEIVER_ERROR = /^rsync: \[(receiver|generator)\] /;

/**
 * rsync 3.x with --hard-links can hang forever when a file of a hard-link group cannot be replaced
 * on the receiver (e.g. an immutable file); --timeout does not fire because the processes keep the
 * connection alive. Once such an error is reported the push has failed anyway, so rsync is given
 * the I/O timeout to finish on its own and is then stopped.
 */
function stallWatchdog(global: GlobalConfig, outer: AbortSignal | undefined) {
  const ac = new AbortController();
  const onOuter = () => ac.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const w = {
    fired: false,
    signal: ac.signal,
    onStderr(line: string) {
      if (timer || !RECEIVER_ERROR.test(line)) return;
      timer = setTimeout(() => {
        w.fired = true;
        ac.abort(new Error('rsync stalled'));
      }, global.rsync.ioTimeoutSeconds * 1000);
    },
    dispose() {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
  return w;
}
