import { describe, expect, it } from 'vitest';
import { bucketsFor, indexFileBytes, parseHintsCompact, parseIndexHeader } from '../../../../src/tools/borg/repo-files.js';

describe("borg's repository files", () => {
  it('reads the index header: objects, buckets, bytes per bucket', () => {
    const head = Buffer.alloc(18);
    head.write('BORG_IDX', 0, 'latin1');
    head.writeInt32LE(4011, 8);
    head.writeInt32LE(8209, 12);
    head.writeInt8(32, 16);
    head.writeInt8(8, 17);
    expect(parseIndexHeader(head)).toEqual({ entries: 4011, buckets: 8209, bucketBytes: 40 });
    expect(parseIndexHeader(Buffer.from('not an index at all'))).toBeUndefined();
  });

  it("grows the hash table as borg does (measured: 3007 objects in 4099 buckets, 4011 in 8209; 40 bytes a bucket, 18 of header)", () => {
    expect(bucketsFor(3007, 4099)).toBe(4099);
    expect(bucketsFor(4011, 4099)).toBe(8209);
    expect(bucketsFor(5, 0)).toBe(1031);
    expect(bucketsFor(10, 8209)).toBe(8209); // never shrinks here
    expect(indexFileBytes(8209, 40)).toBe(328_378); // index.9 of the measurement
  });

  it('reads the segments waiting for compaction from a hints file (msgpack)', () => {
    // {"version": 2, "segments": {0: 1}, "compact": {1: 9, 3: 41}, "storage_quota_use": 0, "shadow_index": {}}
    const hints = Buffer.from([0x85, 0xa7, ...Buffer.from('version'), 0x02, 0xa8, ...Buffer.from('segments'), 0x81, 0x00, 0x01, 0xa7, ...Buffer.from('compact'), 0x82, 0x01, 0x09, 0x03, 0x29, 0xb1, ...Buffer.from('storage_quota_use'), 0x00, 0xac, ...Buffer.from('shadow_index'), 0x80]);
    expect([...parseHintsCompact(hints)!]).toEqual([[1, 9], [3, 41]]);
    expect(parseHintsCompact(Buffer.from([0x93, 1, 2]))).toBeUndefined(); // truncated
  });

  it('reads a hints file whose keys an older msgpack wrote as bin', () => {
    // {b"compact": {1: 9}}
    const hints = Buffer.from([0x81, 0xc4, 0x07, ...Buffer.from('compact'), 0x81, 0x01, 0x09]);
    expect([...parseHintsCompact(hints)!]).toEqual([[1, 9]]);
    expect(parseHintsCompact(Buffer.from([0x01, 0x02]))).toBeUndefined(); // trailing bytes: not a hints file
  });
});
