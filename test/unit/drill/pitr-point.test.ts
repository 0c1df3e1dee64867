// The PITR drill's pure decisions: the point drawn (seeded, inside the window), and the verdict on what
// the cluster showed, given the transactions around the point (read by pitr/: test/unit/pitr/xact-ends.test.ts).
import { describe, expect, it } from 'vitest';
import { drawPoint, fullXid, lastCompletedOf, stoppedBeforeOf, stopProblems, walEndProblems } from '../../../src/drill/pitr-point.js';
import { seededRandom } from '../../../src/drill/random.js';
import { microsOf, parseXactLine, StopFinder, type XactRecord } from '../../../src/pitr/xact-ends.js';

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

describe('stopProblems and walEndProblems', () => {
  const target = microsOf(new Date('2026-12-07T15:45:00.000Z'));
  const found = (records: XactRecord[]) => {
    const f = new StopFinder(target);
    for (const r of records) f.add(r);
    return f;
  };

  it('passes only when the last commit at or before the point is committed, the first after is not, and the log names the same stop', () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000'), rec('741', '2026-12-07 15:45:01.000000')]).found;
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'aborted']]), stoppedBefore: '741' })).toEqual([]);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'not assigned']]), stoppedBefore: '741' })).toEqual([]);
    expect(stopProblems(f, { status: new Map([['740', 'aborted'], ['741', 'aborted']]), stoppedBefore: '741' }).join()).toMatch(/transaction 740, committed at 2026-12-07 15:44:59.000000 UTC \(at or before the point\), is aborted in the recovered cluster/);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'committed']]), stoppedBefore: '741' }).join()).toMatch(/transaction 741, committed at .* \(after the point\), is committed/);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'aborted']]), stoppedBefore: '745' }).join()).toMatch(/recovery stopped before transaction 745, not before 741/);
    expect(stopProblems(f, { status: new Map([['740', 'committed'], ['741', 'aborted']]) }).join()).toMatch(/log does not say where recovery stopped/);
  });

  it("a point after every transaction in the WAL is the WAL's end: passes when the last commit is committed and the last transaction replayed is the WAL's last", () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000'), rec('741', '2026-12-07 15:44:59.250000', 'abort')]);
    expect(f.done).toBe(false);
    expect(stopProblems(f.found, { status: new Map([['740', 'committed']]) }).join()).toMatch(/holds no transaction that ended after the point/);
    const lastUs = f.found.lastEnd!.timeUs;
    expect(walEndProblems(f.found, { status: new Map([['740', 'committed']]), lastCompletedUs: lastUs })).toEqual([]);
    expect(walEndProblems(f.found, { status: new Map([['740', 'aborted']]), lastCompletedUs: lastUs }).join()).toMatch(/transaction 740, committed at .* is aborted/);
    expect(walEndProblems(f.found, { status: new Map([['740', 'committed']]), lastCompletedUs: lastUs - 1n }).join()).toMatch(/the last transaction the recovered cluster replayed ended at 2026-12-07 15:44:59.249999 UTC, not at 2026-12-07 15:44:59.250000 UTC \(the abort of transaction 741/);
    expect(walEndProblems(f.found, { status: new Map([['740', 'committed']]) }).join()).toMatch(/does not name the last transaction it replayed/);
    expect(walEndProblems(f.found, { status: new Map([['740', 'committed']]), lastCompletedUs: lastUs, stoppedBefore: '741' }).join()).toMatch(/says recovery stopped before transaction 741/);
    const later = found([rec('740', '2026-12-07 15:44:59.000000'), rec('742', '2026-12-07 15:45:02.000000')]).found;
    expect(walEndProblems(later, { status: new Map([['740', 'committed']]) }).join()).toMatch(/transaction 742 ended after the point/);
    expect(walEndProblems({}, { status: new Map() })).toEqual([]);
    expect(walEndProblems({}, { status: new Map(), lastCompletedUs: 1n }).join()).toMatch(/holds none/);
  });
});

describe('stoppedBeforeOf and fullXid', () => {
  it("reads the stop from PostgreSQL's log", () => {
    expect(stoppedBeforeOf('LOG:  starting point-in-time recovery to 2026-12-07 15:44:57+00\nLOG:  recovery stopping before commit of transaction 758, time 2026-12-07 15:44:58.45+00\nLOG:  redo done')).toBe('758');
    expect(stoppedBeforeOf('LOG:  recovery stopping before abort of transaction 9, time x')).toBe('9');
    expect(stoppedBeforeOf('LOG:  redo done')).toBeUndefined();
  });
  it("reads the last transaction replayed from PostgreSQL's log, to the microsecond, in any offset", () => {
    const us = (iso: string, micros: bigint) => BigInt(Date.parse(iso)) * 1000n + micros;
    expect(lastCompletedOf('LOG:  redo done at 0/6000C60\nLOG:  last completed transaction was at log time 2026-12-08 01:57:17.556082+00\n')).toBe(us('2026-12-08T01:57:17Z', 556082n));
    expect(lastCompletedOf('LOG:  last completed transaction was at log time 2026-12-08 02:57:17.55+01')).toBe(us('2026-12-08T01:57:17Z', 550000n));
    expect(lastCompletedOf('LOG:  last completed transaction was at log time 2026-12-08 07:27:17+05:30')).toBe(us('2026-12-08T01:57:17Z', 0n));
    expect(lastCompletedOf('LOG:  redo done')).toBeUndefined();
  });
  it('qualifies a 32-bit id with the epoch of the next id, the one before when it would be in the future', () => {
    expect(fullXid('746', 760n)).toBe(746n);
    expect(fullXid('770', 760n)).toBe(770n); // not assigned yet (epoch 0): left as it is, the caller says so
    const next = (2n << 32n) | 10n;
    expect(fullXid('5', next)).toBe((2n << 32n) | 5n);
    expect(fullXid('4294967290', next)).toBe((1n << 32n) | 4294967290n);
  });
});
