// The transaction ends of the WAL around a recovery target, pure: pg_waldump's lines (run in UTC)
// read to the microsecond, folded in WAL order into where PostgreSQL stops for a time target (before
// the first commit or abort later than it), and whether pg_waldump read to where the WAL ends. A time
// target with no transaction end after it in the WAL cannot be stopped at by PostgreSQL ("recovery
// ended before configured recovery target was reached"): the state at that time is the WAL's end.
import { parseLsn } from '../engines/postgres-wal.js';
import { parseSegmentName, segnoOf } from './wal-files.js';

/** A transaction's end as pg_waldump shows it (COMMIT or ABORT, prepared or not). */
export interface XactRecord {
  kind: 'commit' | 'abort';
  prepared: boolean;
  xid: string;
  lsn: string;
  /** Microseconds since the Unix epoch, UTC. */
  timeUs: bigint;
  /** The time as pg_waldump printed it (run with TZ=UTC). */
  time: string;
}

const RECORD = /\btx:\s*(\d+), lsn: ([0-9A-F]+\/[0-9A-F]+),.* desc: (COMMIT|ABORT|COMMIT_PREPARED|ABORT_PREPARED) (?:(\d+): )?(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\.(\d{6}) UTC\b/;

/** One line of `pg_waldump --rmgr=Transaction` (TZ=UTC) as a transaction's end, or undefined for any other line. */
export function parseXactLine(line: string): XactRecord | undefined {
  const m = RECORD.exec(line);
  if (!m) return undefined;
  const [, tx, lsn, what, twoPhaseXid, day, clock, micros] = m;
  const ms = Date.parse(`${day}T${clock}Z`);
  if (Number.isNaN(ms)) return undefined;
  return {
    kind: what!.startsWith('COMMIT') ? 'commit' : 'abort',
    prepared: what!.endsWith('_PREPARED'),
    // A prepared transaction's end is written by another transaction: its own id is the one named.
    xid: twoPhaseXid ?? tx!,
    lsn: lsn!,
    timeUs: BigInt(ms) * 1000n + BigInt(micros!),
    time: `${day} ${clock}.${micros} UTC`,
  };
}

/** Microseconds of a Date. */
export function microsOf(d: Date): bigint {
  return BigInt(d.getTime()) * 1000n;
}

/**
 * Where recovery to a time must stop, from the transaction ends in WAL order (as PostgreSQL replays
 * them, with recovery_target_inclusive): before `stop`, the first end (commit or abort) later than the
 * target; `lastCommit` is the last commit before it (at or before the target: it must be applied),
 * `firstCommitAfter` the first commit from `stop` on (it must not be); `lastEnd` the last end before
 * `stop` (with no stop, the WAL's last transaction end: where a recovery to the WAL's end stops replaying transactions).
 */
export interface TransactionsAround {
  lastCommit?: XactRecord;
  lastEnd?: XactRecord;
  stop?: XactRecord;
  firstCommitAfter?: XactRecord;
}

/** Folds transaction ends (in WAL order) into the transactions around the target; `done` once nothing later can change them. */
export class StopFinder {
  readonly found: TransactionsAround = {};
  constructor(private readonly targetUs: bigint) {}

  add(r: XactRecord): void {
    if (this.done) return;
    if (!this.found.stop) {
      if (r.timeUs > this.targetUs) this.found.stop = r;
      else {
        this.found.lastEnd = r;
        if (r.kind === 'commit') this.found.lastCommit = r;
      }
    }
    if (this.found.stop && r.kind === 'commit') this.found.firstCommitAfter = r;
  }

  get done(): boolean {
    return this.found.firstCommitAfter !== undefined;
  }
}

/**
 * Whether pg_waldump, which always ends with an error where the records end, ended at the end of
 * the WAL it was given (its error names a place in the newest segment, or the segment after it as
 * missing) rather than at damage in an earlier segment. `newest` is the newest segment's file name.
 */
export function endedAtWalEnd(stderrTail: readonly string[], newest: string): boolean {
  const last = parseSegmentName(newest);
  if (!last) return false;
  const text = stderrTail.join('\n');
  const segnos = [
    ...[...text.matchAll(/\b(?:at|LSN) ([0-9A-F]{1,8}\/[0-9A-F]{1,8})\b/g)].map((m) => segnoOf(parseLsn(m[1]!))),
    ...[...text.matchAll(/\b([0-9A-F]{24})\b/g)].map((m) => parseSegmentName(m[1]!)?.segno).filter((n): n is bigint => n !== undefined),
  ];
  return segnos.some((n) => n >= last.segno);
}

/** How a time target is recovered: stopped by PostgreSQL at its first transaction end after it, or (none in the WAL) to the WAL's end. */
export type TimeRecovery = { kind: 'target' } | { kind: 'wal-end' };

/**
 * The recovery of a time target, from what pg_waldump read: the WAL's end only when it read the
 * whole WAL and found no transaction end after the target; else the target (PostgreSQL stops at it,
 * or, the WAL unreadable before its end, says why it could not).
 */
export function timeRecoveryOf(around: TransactionsAround, readToEnd: boolean): TimeRecovery {
  return !around.stop && readToEnd ? { kind: 'wal-end' } : { kind: 'target' };
}
