// The transaction ends around a recovery target, pure (pitr/xact-ends.ts): pg_waldump's lines read to
// the microsecond, where recovery to a time must stop, whether pg_waldump read to the WAL's end, and
// how a time target is recovered (to the WAL's end when no transaction ended after it).
import { describe, expect, it } from 'vitest';
import { endedAtWalEnd, microsOf, parseXactLine, StopFinder, timeRecoveryOf, type XactRecord } from '../../../src/pitr/xact-ends.js';

const line = (tx: number, lsn: string, desc: string) => `rmgr: Transaction len (rec/tot):     34/    34, tx:        ${tx}, lsn: ${lsn}, prev 0/0301A280, desc: ${desc}`;
const rec = (xid: string, time: string, kind: 'commit' | 'abort' = 'commit'): XactRecord => parseXactLine(line(Number(xid), '0/1', `${kind === 'commit' ? 'COMMIT' : 'ABORT'} ${time} UTC`))!;

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

describe('StopFinder', () => {
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

  it('keeps the last end at or before the target: with no end after it, the WAL\'s last', () => {
    const f = found([rec('740', '2026-12-07 15:44:59.000000'), rec('741', '2026-12-07 15:44:59.500000', 'abort')]);
    expect(f.done).toBe(false);
    expect([f.found.lastCommit?.xid, f.found.lastEnd?.xid, f.found.stop, f.found.firstCommitAfter]).toEqual(['740', '741', undefined, undefined]);
  });
});

describe('endedAtWalEnd and timeRecoveryOf', () => {
  const newest = '000000010000000000000006';
  it("takes pg_waldump's error at the newest segment (or the next one missing) as the WAL's end, an earlier one as damage", () => {
    expect(endedAtWalEnd(['pg_waldump: error: error in WAL record at 0/6000C60: invalid record length at 0/6000C98: wanted 24, got 0'], newest)).toBe(true);
    expect(endedAtWalEnd(['pg_waldump: error: could not find file "000000010000000000000007": No such file or directory'], newest)).toBe(true);
    expect(endedAtWalEnd(['pg_waldump: error: error in WAL record at 0/5FFFFD8: invalid magic number 0000 in log segment 000000010000000000000006, offset 0'], newest)).toBe(true);
    expect(endedAtWalEnd(['pg_waldump: error: error in WAL record at 0/4000C60: incorrect resource manager data checksum in record at 0/4000C98'], newest)).toBe(false);
    expect(endedAtWalEnd([], newest)).toBe(false);
  });
  it("recovers to the WAL's end only when it was read whole and no transaction ended after the target", () => {
    const none = { lastCommit: rec('740', '2026-12-07 15:44:59.000000') };
    expect(timeRecoveryOf(none, true)).toEqual({ kind: 'wal-end' });
    expect(timeRecoveryOf(none, false)).toEqual({ kind: 'target' });
    expect(timeRecoveryOf({ ...none, stop: rec('741', '2026-12-07 15:45:01.000000', 'abort') }, true)).toEqual({ kind: 'target' });
  });
});
