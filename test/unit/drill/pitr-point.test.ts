// The PITR drill's pure decisions: the point drawn (seeded, inside the window), pg_waldump's lines
// read to the microsecond, where recovery must stop, and the verdict on what the cluster showed.
import { describe, expect, it } from 'vitest';
import { drawPoint, fullXid, microsOf, parseXactLine, StopFinder, stoppedBeforeOf, stopProblems, type XactRecord } from '../../../src/drill/pitr-point.js';
import { seededRandom } from '../../../src/drill/random.js';

const line = (tx: number, lsn: string, desc: string) => `rmgr: Transaction len (rec/tot):     34/    34, tx:        ${tx}, lsn: ${lsn}, prev 0/0301A280, desc: ${desc}`;
const rec = (xid: string, time: string, kind: 'commit' | 'abort' = 'commit'): XactRecord => parseXactLine(line(Number(xid), '0/1', `${kind === 'commit' ? 'COMMIT' : 'ABORT'} ${time} UTC`))!;

describe('drawPoint', () => {
  it('draws inside the window, the same point for the same seed', () => {
    const oldest = new Date('2026-12-01T00:00:00Z');
    const newest = new Date('2026-12-08T00:00:00Z');
    const a = drawPoint(seededRandom('s', 'main\0pitr\0db'), oldest, newest);
    expect(a.getTime()).toBeGreaterThanOrEqual(oldest.getTime());
    expect(a.getTime()).toBeLessThanOrEqual(newest.getTime());
    expect(drawPoint(seededRandom('s', 'main\0pitr\0db'), oldest, newest)).toEqual(a);
    expect(drawPoint(seededRandom('t', 'main\0pitr\0db'), oldest, newest)).not.toEqual(a);
    expect(drawPoint(() => 0.999999999, oldest, newest).getTime()).toBeLessThanOrEqual(newest.getTime());
  });
});

describe('parseXactLine', () => {
  it('reads a commit, an abort and a prepared commit (its own transaction id) to the microsecond', () => {
    expect(parseXactLine(line(758, '0/0301A2B8', 'COMMIT 2026-12-07 15:44:58.450123 UTC'))).toEqual({ kind: 'commit', prepared: false, xid: '758', lsn: '0/0301A2B8', timeUs: BigInt(Date.parse('2026-12-07T15:44:58Z')) * 1000n + 450123n, time: '2026-12-07 15:44:58.450123 UTC' });
    expect(parseXactLine(line(759, '0/0301A300', 'COMMIT 2026-12-07 15:44:58.000001 UTC; inval msgs: catcache 55 relcache 16384'))?.xid).toBe('759');
    expect(parseXactLine(line(0, '0/0301A400', 'ABORT 2026-12-07 15:44:59.000000 UTC'))).toMatchObject({ kind: 'abort', xid: '0' });
    expect(parseXactLine(line(770, '0/0301A500', 'COMMIT_PREPARED 741: 2026-12-07 15:45:00.000000 UTC'))).toMatchObject({ kind: 'commit', prepared: true, xid: '741' });
  });
  it('ignores other records and times not in UTC', () => {
    expect(parseXactLine('rmgr: Transaction len (rec/tot): 58/58, tx: 0, lsn: 0/1, prev 0/0, desc: RUNNING_XACTS nextXid 760')).toBeUndefined();
    expect(parseXactLine(line(758, '0/1', 'COMMIT 2026-12-07 16:44:58.450123 CET'))).toBeUndefined();
    expect(parseXactLine('pg_waldump: error: error in WAL record at 0/6000C60: invalid record length at 0/6000C98: wanted 24, got 0')).toBeUndefined();
  });
});

describe('StopFinder and stopProblems', () => {
  const target = microsOf(new Date('2026-12-07T15:45:00.000Z'));
  const found = (records: XactRecord[]) => {
    const f = new StopFinder(target);
    for (const r of records) f.add(r);
    return f;
  };

  it('stops before the first end after the target; a commit 400 µs after it is after it', () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000'), rec('741', '2026-12-07 15:45:00.000000'), rec('742', '2026-12-07 15:45:00.000400'), rec('743', '2026-12-07 15:45:01.000000')]);
    expect(f.done).toBe(true);
    expect([f.found.lastCommit?.xid, f.found.stop?.xid, f.found.firstCommitAfter?.xid]).toEqual(['741', '742', '742']);
  });

  it('an abort after the target is where recovery stops; the first commit after it is the one that must be missing', () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000'), rec('741', '2026-12-07 15:45:00.500000', 'abort'), rec('742', '2026-12-07 15:45:01.000000')]);
    expect([f.found.lastCommit?.xid, f.found.stop?.xid, f.found.firstCommitAfter?.xid]).toEqual(['740', '741', '742']);
    // A commit stamped at or before the target but written after the stop is not "the last commit before it" (recovery never reaches it).
    const g = found([rec('740', '2026-12-07 15:44:59.000000'), rec('742', '2026-12-07 15:45:00.100000'), rec('741', '2026-12-07 15:44:59.900000')]);
    expect([g.found.lastCommit?.xid, g.found.stop?.xid, g.found.firstCommitAfter?.xid]).toEqual(['740', '742', '742']);
  });

  it('passes only when the last commit at or before the point is committed, the first after is not, and the log names the same stop', () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000'), rec('741', '2026-12-07 15:45:01.000000')]).found;
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'aborted']]), stoppedBefore: '741' })).toEqual([]);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'not assigned']]), stoppedBefore: '741' })).toEqual([]);
    expect(stopProblems(f, { status: new Map([['740', 'aborted'], ['741', 'aborted']]), stoppedBefore: '741' }).join()).toMatch(/transaction 740, committed at 2026-12-07 15:44:59.000000 UTC \(at or before the point\), is aborted in the recovered cluster/);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'committed']]), stoppedBefore: '741' }).join()).toMatch(/transaction 741, committed at .* \(after the point\), is committed/);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'aborted']]), stoppedBefore: '745' }).join()).toMatch(/recovery stopped before transaction 745, not before 741/);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'aborted']]) }).join()).toMatch(/log does not say where recovery stopped/);
  });

  it('a point after every transaction in the WAL cannot be stopped at: said, not passed', () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000')]);
    expect(f.done).toBe(false);
    expect(stopProblems(f.found, { status: new Map([['740', 'committed']]) }).join()).toMatch(/holds no transaction that ended after the point/);
  });
});

describe('stoppedBeforeOf and fullXid', () => {
  it("reads the stop from PostgreSQL's log", () => {
    expect(stoppedBeforeOf('LOG:  starting point-in-time recovery to 2026-12-07 15:44:57+00\nLOG:  recovery stopping before commit of transaction 758, time 2026-12-07 15:44:58.45+00\nLOG:  redo done')).toBe('758');
    expect(stoppedBeforeOf('LOG:  recovery stopping before abort of transaction 9, time x')).toBe('9');
    expect(stoppedBeforeOf('LOG:  redo done')).toBeUndefined();
  });
  it('qualifies a 32-bit id with the epoch of the next id, the one before when it would be in the future', () => {
    expect(fullXid('746', 760n)).toBe(746n);
    expect(fullXid('770', 760n)).toBe(770n); // not assigned yet (epoch 0): left as it is, the caller says so
    const next = (2n << 32n) | 10n;
    expect(fullXid('5', next)).toBe((2n << 32n) | 5n);
    expect(fullXid('4294967290', next)).toBe((1n << 32n) | 4294967290n);
  });
});
