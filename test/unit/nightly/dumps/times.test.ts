// A main server's claimed dump times against the backup host's clock: beyond the allowed skew ahead
// a dump is refused, naming the file, the time it claims and the clock; a new dump claiming to be
// older than pullback's last look at the directory is a warning.
import { describe, expect, it } from 'vitest';
import { futureDumps, pastClaimWarning } from '../../../../src/nightly/dumps/times.js';
import type { FoundDump } from '../../../../src/nightly/dumps/scan.js';

const now = new Date('2026-12-07T03:00:00Z');
const found = (rel: string, time: string, meta = false): FoundDump => ({ rel, abs: `/m/${rel}`, size: 1, time: new Date(time), ...(meta ? { meta: { file: rel, engine: 'postgres', database: 'app', format: 'custom', size: 1, sha256: '0'.repeat(64), endedAt: time } } : {}) });
const where = (rel: string) => `/srv/dumps/${rel}`;

describe('futureDumps', () => {
  it('refuses a dump claiming a time beyond the allowance, naming it, its time and the clock', () => {
    const out = futureDumps([found('a.pgdump', '2027-12-07T03:00:00Z'), found('b.pgdump', '2026-12-07T02:59:00Z')], now, 5 * 60_000, where);
    expect(out.map((f) => f.rel)).toEqual(['a.pgdump']);
    expect(out[0]!.message).toBe(
      'dump /srv/dumps/a.pgdump claims a time 365d in the future (modified 2027-12-07T03:00:00.000Z; this backup host\'s clock said 2026-12-07T03:00:00.000Z at the pull, dumps.max_clock_skew 5m): ' +
        "the main server's clock or the file's time is wrong. It is refused: not verified, not listed as a dump of the archive, never chosen by a restore. " +
        "Check the server's clock (timedatectl), then correct the file's time or remove the file",
    );
  });

  it('accepts a clock ahead within the allowance, and says which time a metadata file claimed', () => {
    expect(futureDumps([found('a', '2026-12-07T03:04:59Z')], now, 5 * 60_000, where)).toEqual([]);
    expect(futureDumps([found('a', '2026-12-07T03:05:01Z', true)], now, 5 * 60_000, where)[0]!.message).toContain('(its metadata says it ended 2026-12-07T03:05:01.000Z;');
  });
});

describe('pastClaimWarning', () => {
  const lastLook = new Date('2026-12-06T03:00:00Z');
  it('warns of a new dump claiming a time before the last look at the directory', () => {
    expect(pastClaimWarning('/d/x', new Date('2026-12-01T00:00:00Z'), 'modified', lastLook, 300_000, now)).toMatch(/^dump \/d\/x is new to pullback but claims to be older than its last look .*an old dump put back, or the main server's clock is behind/);
  });
  it('says nothing of a dump written since the last look (within the allowance), or on a first look', () => {
    expect(pastClaimWarning('/d/x', new Date('2026-12-06T02:56:00Z'), 'modified', lastLook, 300_000, now)).toBeUndefined();
    expect(pastClaimWarning('/d/x', new Date('2026-12-07T01:00:00Z'), 'ended', lastLook, 300_000, now)).toBeUndefined();
    expect(pastClaimWarning('/d/x', new Date('2020-01-01T00:00:00Z'), 'ended', undefined, 300_000, now)).toBeUndefined();
  });
});
