// WAL file names and the continuity of a WAL directory.
import { describe, expect, it } from 'vitest';
import { describeMissing, parseSegmentName, segmentName, segnoOf, walContinuity } from '../../../src/pitr/wal-files.js';

describe('WAL files', () => {
  it('reads segment names (partial ones too) and writes them back', () => {
    expect(parseSegmentName('0000000100000002000000FF')).toMatchObject({ timeline: 1, segno: 2n * 256n + 255n, partial: false });
    expect(parseSegmentName('000000020000000000000003.partial')).toMatchObject({ name: '000000020000000000000003', timeline: 2, segno: 3n, partial: true });
    expect(parseSegmentName('00000002.history')).toBeUndefined();
    expect(segmentName(1, 2n * 256n + 255n)).toBe('0000000100000002000000FF');
    expect(segnoOf(0x2000028n)).toBe(2n);
  });

  it('finds the segments missing from a start on; a completed segment and its stale partial are one', () => {
    const files = ['000000010000000000000002', '000000010000000000000003', '000000010000000000000003.partial', '000000010000000000000005', '000000010000000000000006.partial', 'README'];
    const c = walContinuity(files, 2n);
    expect(c.missing).toEqual([4n]);
    expect(c.newest?.file).toBe('000000010000000000000006.partial');
    expect(describeMissing(1, c.missing)).toBe('1 WAL segment(s) missing (000000010000000000000004)');
    expect(walContinuity(files, 5n).missing).toEqual([]);
    // A start before everything received is missing too: the base backup's first segment is not there.
    expect(walContinuity(files, 1n).missing).toEqual([1n, 4n]);
  });

  it('a segment on a later timeline fills the number, and the switch is reported', () => {
    const c = walContinuity(['000000010000000000000002', '000000020000000000000003', '00000002.history'], 2n);
    expect(c.missing).toEqual([]);
    expect(c.timelines).toEqual([2]);
  });
});
