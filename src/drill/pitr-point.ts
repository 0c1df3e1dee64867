// The PITR drill's pure decisions: which point of the window it recovers to (seeded), and whether
// the recovered cluster stopped exactly there, given the transactions around it that pitr/ read from
// the WAL with pg_waldump (pitr/xact-ends.ts: handed over with the recovered cluster). Times are kept
// in microseconds, as PostgreSQL keeps them: a commit at .000400 after a target at .000 is after it.
import type { TransactionsAround } from './pitr-result.js';
import type { Random } from './random.js';

/** A point drawn uniformly inside [oldest, newest], to the millisecond. */
export function drawPoint(rand: Random, oldest: Date, newest: Date): Date {
  const span = Math.max(0, newest.getTime() - oldest.getTime());
  return new Date(oldest.getTime() + Math.floor(rand() * (span + 1)));
}

/** What the recovered cluster said: the status of each transaction asked (pg_xact_status), and the stop its log names. */
export interface ClusterObservation {
  status: Map<string, string>;
  /** From "recovery stopping before commit|abort of transaction N": N, if the log says so. */
  stoppedBefore?: string;
  /** From "last completed transaction was at log time T": T in microseconds since the epoch, if the log says so. */
  lastCompletedUs?: bigint;
}

/** The time of the last transaction recovery replayed, from its log ("last completed transaction was at log time 2026-12-08 01:57:17.556082+00"), in microseconds. */
export function lastCompletedOf(log: string): bigint | undefined {
  const all = [...log.matchAll(/last completed transaction was at log time (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2})(?::?(\d{2}))?/g)];
  const m = all.at(-1);
  if (!m) return undefined;
  const [, day, clock, frac, hours, minutes] = m;
  const offset = `${hours}:${minutes ?? '00'}`;
  const ms = Date.parse(`${day}T${clock}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1000n + BigInt((frac ?? '').padEnd(6, '0'));
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
export function stopProblems(expected: TransactionsAround, seen: ClusterObservation): string[] {
  const out: string[] = [];
  if (!expected.stop) return ['the WAL holds no transaction that ended after the point, yet recovery was given it as a time target (PostgreSQL cannot stop there)'];
  const last = expected.lastCommit;
  if (last && seen.status.get(last.xid) !== 'committed') out.push(`transaction ${last.xid}, committed at ${last.time} (at or before the point), is ${seen.status.get(last.xid) ?? 'unknown'} in the recovered cluster, not committed`);
  const after = expected.firstCommitAfter;
  if (after && seen.status.get(after.xid) === 'committed') out.push(`transaction ${after.xid}, committed at ${after.time} (after the point), is committed in the recovered cluster`);
  if (seen.stoppedBefore === undefined) out.push(`the recovered cluster's log does not say where recovery stopped (expected before the ${expected.stop.kind} of transaction ${expected.stop.xid} at ${expected.stop.time})`);
  else if (seen.stoppedBefore !== expected.stop.xid) out.push(`recovery stopped before transaction ${seen.stoppedBefore}, not before ${expected.stop.xid} (the first to end after the point, at ${expected.stop.time})`);
  return out;
}

/**
 * Why a cluster recovered to the WAL's end (no transaction ended after the point in it) does not hold
 * exactly the state at the point (empty when it does): the last commit at or before the point must be
 * committed there, recovery must not have stopped at a target, and the last transaction it replayed
 * (its log) must be the WAL's last transaction end, at or before the point: nothing after it exists.
 */
export function walEndProblems(expected: TransactionsAround, seen: ClusterObservation): string[] {
  const out: string[] = [];
  if (expected.stop) return [`transaction ${expected.stop.xid} ended after the point (at ${expected.stop.time}), yet recovery went to the WAL's end`];
  const last = expected.lastCommit;
  if (last && seen.status.get(last.xid) !== 'committed') out.push(`transaction ${last.xid}, committed at ${last.time} (at or before the point), is ${seen.status.get(last.xid) ?? 'unknown'} in the recovered cluster, not committed`);
  if (seen.stoppedBefore !== undefined) out.push(`the recovered cluster's log says recovery stopped before transaction ${seen.stoppedBefore}, though it was to replay the WAL to its end`);
  const end = expected.lastEnd;
  if (end && seen.lastCompletedUs === undefined) out.push(`the recovered cluster's log does not name the last transaction it replayed (expected the ${end.kind} of transaction ${end.xid} at ${end.time}, the WAL's last)`);
  else if (end && seen.lastCompletedUs !== end.timeUs) out.push(`the last transaction the recovered cluster replayed ended at ${utcMicros(seen.lastCompletedUs!)}, not at ${end.time} (the ${end.kind} of transaction ${end.xid}, the WAL's last)`);
  else if (!end && seen.lastCompletedUs !== undefined) out.push('the recovered cluster replayed a transaction end, though the WAL from the base backup holds none');
  return out;
}

/** Microseconds since the epoch as pg_waldump prints a time: `2026-12-08 01:57:17.556082 UTC`. */
function utcMicros(us: bigint): string {
  const secs = new Date(Number(us / 1_000_000n) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${secs}.${String(us % 1_000_000n).padStart(6, '0')} UTC`;
}

/** The full (epoch-qualified) transaction id of 32-bit `xid`, given the cluster's next full id `nextFull` (the newest epoch not past it). */
export function fullXid(xid: string, nextFull: bigint): bigint {
  const epoch = nextFull >> 32n;
  const candidate = (epoch << 32n) | BigInt(xid);
  return candidate >= nextFull && epoch > 0n ? candidate - (1n << 32n) : candidate;
}
