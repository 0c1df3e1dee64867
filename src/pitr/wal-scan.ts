// pg_waldump over the WAL a point-in-time recovery is about to replay: the transaction ends around a
// time target, read from the base backup's start (in UTC, to the microsecond), stopped on purpose once
// the first commit after the target is read. Both restore --at (whether the target can be stopped at,
// or its state is the WAL's end) and the PITR drill (what the recovered cluster must show) use it.
import type { Logger } from 'pino';
import { JobError } from '../errors.js';
import { runCommand } from '../exec/run.js';
import { pgBinDir, pgTool } from '../engines/postgres-wal.js';
import { endedAtWalEnd, microsOf, parseXactLine, StopFinder, type TransactionsAround } from './xact-ends.js';

export interface WalScan {
  around: TransactionsAround;
  /** pg_waldump read every record up to where the WAL ends (not stopped by damage in an earlier segment, nor on purpose). */
  readToEnd: boolean;
}

/**
 * The transaction ends around `at` in `walDir` (segments under their full names) from `startLsn` on
 * timeline `timeline`; `newest` is the newest segment's name there. pg_waldump ends with an error
 * where the records end: at the WAL's end that is no failure. Throws JobError when it could not read
 * the WAL at all, or when interrupted.
 */
export async function scanTransactionEnds(p: { walDir: string; timeline: number; startLsn: string; newest: string; at: Date; logger: Logger; timeoutMs: number; signal?: AbortSignal }): Promise<WalScan> {
  const finder = new StopFinder(microsOf(p.at));
  const enough = new AbortController();
  const onAbort = () => enough.abort();
  p.signal?.addEventListener('abort', onAbort);
  try {
    const r = await runCommand(pgTool(pgBinDir(), 'pg_waldump'), ['--path', p.walDir, '--timeline', String(p.timeline), '--start', p.startLsn, '--rmgr', 'Transaction'], {
      env: { TZ: 'UTC' },
      logger: p.logger,
      // Stopped on purpose once the first commit after the point is read, or ends with an error at the WAL's end: what it found is logged below instead.
      quiet: true,
      signal: enough.signal,
      timeoutMs: p.timeoutMs,
      onStdoutLine: (line) => {
        const x = parseXactLine(line);
        if (x) finder.add(x);
        if (finder.done && !enough.signal.aborted) enough.abort();
      },
    });
    if (p.signal?.aborted) throw new JobError('interrupted');
    const atEnd = r.exitCode === 0 || endedAtWalEnd(r.stderrTail, p.newest);
    if (!finder.done && !atEnd && !/error in WAL record|invalid record length|invalid magic number|could not find file/.test(r.stderrTail.join('\n'))) {
      throw new JobError(`pg_waldump could not read the WAL from ${p.startLsn} (exit ${r.exitCode ?? r.signal}): ${r.stderrTail.slice(-2).join(' | ')}`);
    }
    const f = finder.found;
    const readToEnd = !finder.done && atEnd;
    p.logger.info(
      { walDir: p.walDir, lastCommit: f.lastCommit?.xid, lastEnd: f.lastEnd?.xid, stop: f.stop?.xid, firstCommitAfter: f.firstCommitAfter?.xid, exitCode: r.exitCode, stoppedEarly: r.aborted, readToEnd, end: r.stderrTail.at(-1) },
      'pg_waldump: the transactions around the point',
    );
    if (!f.stop && !readToEnd) p.logger.warn({ walDir: p.walDir, end: r.stderrTail.at(-1), newest: p.newest }, 'pg_waldump stopped before the newest WAL segment: whether a transaction ended after the point is left to PostgreSQL');
    return { around: f, readToEnd };
  } finally {
    p.signal?.removeEventListener('abort', onAbort);
  }
}
