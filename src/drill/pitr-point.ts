// The PITR drill's pure decisions: which point of the window it recovers to (seeded), what pg_waldump
// says about the transactions around it, where PostgreSQL must stop for it, and whether the recovered
// cluster stopped exactly there. Times are kept in microseconds, as PostgreSQL keeps them: a commit at
// .000400 after a target at .000 is after it.
import type { Random } from './random.js';

/** A point drawn uniformly inside [oldest, newest], to the millisecond. */
export function drawPoint(rand: Random, oldest: Date, newest: Date): Date {
  const span = Math.max(0, newest.getTime() - oldest.getTime());
  return new Date(oldest.getTime() + Math.floor(rand() * (span + 1)));
}

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
 * Where recovery to `target` must stop, from the transaction ends in WAL order (as PostgreSQL replays
 * them, with recovery_target_inclusive): before `stop`, the first end (commit or abort) later than the
 * target; `lastCommit` is the last commit before it (at or before the target: it must be applied),
 * `firstCommitAfter` the first commit from `stop` on (it must not be).
 */
export interface ExpectedStop {
  lastCommit?: XactRecord;
  stop?: XactRecord;
  firstCommitAfter?: XactRecord;
}

/** Folds transaction ends (in WAL order) into the expected stop; `done` once nothing later can change it. */
export class StopFinder {
  readonly found: ExpectedStop = {};
  constructor(private readonly targetUs: bigint) {}

  add(r: XactRecord): void {
    if (this.done) return;
    if (!this.found.stop) {
      if (r.timeUs > this.targetUs) this.found.stop = r;
      else if (r.kind === 'commit') this.found.lastCommit = r;
    }
    if (this.found.stop && r.kind === 'commit') this.found.firstCommitAfter = r;
  }

  get done(): boolean {
    return this.found.firstCommitAfter !== undefined;
  }
}

/** What the recovered cluster said: the status of each transaction asked (pg_xact_status), and the stop its log names. */
export interface ClusterObservation {
  status: Map<string, string>;
  /** From "recovery stopping before commit|abort of transaction N": N, if the log says so. */
  stoppedBefore?: string;
}

/** The transaction PostgreSQL's log says it stopped before: "recovery stopping before commit of transaction 758, time ...". */
export function stoppedBeforeOf(log: string): string | undefined {
  const all = [...log.matchAll(/recovery stopping before (?:commit|abort) of transaction (\d+)/g)];
  return all.at(-1)?.[1];
}

/**
 * Why the recovered cluster did not stop exactly at the target (empty when it did): the last commit
 * at or before it must be committed there, the first commit after it must not be, and the log's stop
 * must be the end pg_waldump found first after the target. With no transaction end after the target
 * in the WAL, PostgreSQL cannot stop there at all.
 */
export function stopProblems(expected: ExpectedStop, seen: ClusterObservation): string[] {
  const out: string[] = [];
  if (!expected.stop) return ['the WAL holds no transaction that ended after the point: PostgreSQL cannot stop there (a restore --at to it ends with "recovery ended before configured recovery target was reached")'];
  const last = expected.lastCommit;
  if (last && seen.status.get(last.xid) !== 'committed') out.push(`transaction ${last.xid}, committed at ${last.time} (at or before the point), is ${seen.status.get(last.xid) ?? 'unknown'} in the recovered cluster, not committed`);
  const after = expected.firstCommitAfter;
  if (after && seen.status.get(after.xid) === 'committed') out.push(`transaction ${after.xid}, committed at ${after.time} (after the point), is committed in the recovered cluster`);
  if (seen.stoppedBefore === undefined) out.push(`the recovered cluster's log does not say where recovery stopped (expected before the ${expected.stop.kind} of transaction ${expected.stop.xid} at ${expected.stop.time})`);
  else if (seen.stoppedBefore !== expected.stop.xid) out.push(`recovery stopped before transaction ${seen.stoppedBefore}, not before ${expected.stop.xid} (the first to end after the point, at ${expected.stop.time})`);
  return out;
}

/** The full (epoch-qualified) transaction id of 32-bit `xid`, given the cluster's next full id `nextFull` (the newest epoch not past it). */
export function fullXid(xid: string, nextFull: bigint): bigint {
  const epoch = nextFull >> 32n;
  const candidate = (epoch << 32n) | BigInt(xid);
  return candidate >= nextFull && epoch > 0n ? candidate - (1n << 32n) : candidate;
}
