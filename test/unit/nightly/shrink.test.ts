// The mass-deletion guard's rules: which share applies, when a pull is guarded, and the verdict.
import { describe, expect, it } from 'vitest';
import { effectiveMaxShrink, judgeShrink, shouldGuard } from '../../../src/nightly/shrink.js';
import { parsePercent } from '../../../src/config/units.js';

const baseline = { files: 51, bytes: 51 * 1024, recordedAt: '2024-01-01T00:00:00.000Z' };
const how = 'pullback run --host main --accept-shrink blobs';

describe('effectiveMaxShrink', () => {
  it("is the source's own, else the global one for blobs and data, else off for database dumps (they rotate)", () => {
    expect(effectiveMaxShrink({ maxShrink: 0.5 }, { kind: 'blobs' })).toBe(0.5);
    expect(effectiveMaxShrink({ maxShrink: 0.5 }, { kind: 'data', maxShrink: 0.2 })).toBe(0.2);
    expect(effectiveMaxShrink({ maxShrink: 0.5 }, { kind: 'database' })).toBe(1);
    expect(effectiveMaxShrink({ maxShrink: 0.5 }, { kind: 'database', maxShrink: 0.9 })).toBe(0.9);
  });
});

describe('shouldGuard', () => {
  it('guards only after a first good pull, when not off (100%) and not accepted', () => {
    expect(shouldGuard(baseline, 0.5, false)).toBe(true);
    expect(shouldGuard(undefined, 0.5, false)).toBe(false);
    expect(shouldGuard(baseline, 1, false)).toBe(false);
    expect(shouldGuard(baseline, 0.5, true)).toBe(false);
    expect(shouldGuard({ ...baseline, files: 1 }, 0.5, false)).toBe(false);
  });
});

describe('judgeShrink', () => {
  it('lets deletions and a smaller size within max_shrink through', () => {
    expect(judgeShrink('blobs', baseline, { pendingDeletions: 25, bytesNow: 26 * 1024, filesNow: 51 }, 0.5, how)).toEqual({ ok: true });
    expect(judgeShrink('blobs', baseline, { pendingDeletions: 0, bytesNow: 1e9, filesNow: 51 }, 0, how)).toEqual({ ok: true });
  });

  it('refuses more deletions than max_shrink, naming the counts, the share and the way to accept it', () => {
    expect(judgeShrink('blobs', baseline, { pendingDeletions: 40, bytesNow: 11 * 1024, filesNow: 51 }, 0.5, how)).toEqual({
      ok: false,
      reason:
        'blobs: 40 of 51 files (78%) would be deleted and its size fell from 51.0 KiB to 11.0 KiB (78% less), more than max_shrink 50% ' +
        'of the last good pull (2024-01-01T00:00:00.000Z); nothing was deleted from the mirror. If the data was deleted on purpose: pullback run --host main --accept-shrink blobs',
    });
  });

  it('refuses a size that fell by more than max_shrink even without deletions (files emptied)', () => {
    const v = judgeShrink('data', baseline, { pendingDeletions: 0, bytesNow: 1024, filesNow: 51 }, 0.5, how);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(/^data: its size fell from 51\.0 KiB to 1\.0 KiB \(98% less\), more than max_shrink 50%/);
  });
});

describe('parsePercent', () => {
  it('reads 0% to 100%', () => {
    expect(parsePercent('50%')).toBe(0.5);
    expect(parsePercent('12.5%')).toBe(0.125);
    expect(parsePercent('100%')).toBe(1);
    expect(() => parsePercent('101%')).toThrow();
    expect(() => parsePercent('50')).toThrow();
  });
});
