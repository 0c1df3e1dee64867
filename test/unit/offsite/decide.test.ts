// Off-site decisions: the copy gate (check, window), the shrink guard, --max-delete and freshness.
import { describe, expect, it } from 'vitest';
import type { RcloneTarget } from '../../../src/config/types.js';
import { inWindow, maxDeleteFor, minuteOfDay, offsiteGate, shrinkVerdict } from '../../../src/offsite/decide.js';
import { judgeFreshness, offsiteVerdict, staleFindings } from '../../../src/report/freshness.js';
import { statusText } from '../../../src/report/status-format.js';

const target = (over: Partial<RcloneTarget> = {}): RcloneTarget => ({ kind: 'rclone', name: 'cold', remoteTemplate: 'r:{host}', after: 'check', maxShrink: 0.5, maxAgeSeconds: 172800, ...over });
const at = (hhmm: string) => new Date(`2026-03-01T${hhmm}:00Z`);

describe('offsiteGate', () => {
  it('never copies over a failed check, and with after: check only after tonight\'s passed check', () => {
    expect(offsiteGate(target(), { checkTonight: 'failed', now: at('02:00'), timezone: 'UTC' })).toMatchObject({ run: false, reason: expect.stringContaining('damaged repository is never copied') });
    expect(offsiteGate(target(), { now: at('02:00'), timezone: 'UTC' })).toMatchObject({ run: false, reason: expect.stringContaining('no check of the repository ran tonight') });
    expect(offsiteGate(target(), { checkTonight: 'ok', now: at('02:00'), timezone: 'UTC' })).toEqual({ run: true });
    expect(offsiteGate(target(), { checkTonight: 'warning', now: at('02:00'), timezone: 'UTC' })).toEqual({ run: true });
  });

  it('with after: archive, copies when the most recent check passed', () => {
    const t = target({ after: 'archive' });
    expect(offsiteGate(t, { lastCheck: 'ok', now: at('02:00') })).toEqual({ run: true });
    expect(offsiteGate(t, { lastCheck: 'failed', now: at('02:00') })).toMatchObject({ run: false, reason: expect.stringContaining('most recent check failed') });
    expect(offsiteGate(t, { now: at('02:00') })).toMatchObject({ run: false, reason: expect.stringContaining('never ran') });
    expect(offsiteGate(t, { checkTonight: 'failed', lastCheck: 'ok', now: at('02:00') })).toMatchObject({ run: false });
  });

  it('skips outside the window (also one spanning midnight), in the configured time zone', () => {
    const w = target({ window: { start: 60, end: 360, text: '01:00-06:00' } });
    expect(offsiteGate(w, { checkTonight: 'ok', now: at('07:00'), timezone: 'UTC' })).toEqual({ run: false, reason: 'not copied: outside its window 01:00-06:00' });
    expect(offsiteGate(w, { checkTonight: 'ok', now: at('05:59'), timezone: 'UTC' })).toEqual({ run: true });
    expect(inWindow({ start: 22 * 60, end: 120 }, 23 * 60)).toBe(true);
    expect(inWindow({ start: 22 * 60, end: 120 }, 60)).toBe(true);
    expect(inWindow({ start: 22 * 60, end: 120 }, 180)).toBe(false);
    expect(minuteOfDay(at('23:30'), 'Europe/Berlin')).toBe(30);
  });
});

describe('shrinkVerdict', () => {
  it('refuses a missing, empty or much smaller local repository', () => {
    expect(shrinkVerdict({ present: false, bytes: 0, files: 0 }, undefined, 0.5)).toMatchObject({ ok: false, reason: expect.stringContaining('missing') });
    expect(shrinkVerdict({ present: true, bytes: 0, files: 0 }, undefined, 0.5)).toMatchObject({ ok: false, reason: expect.stringContaining('empty') });
    expect(shrinkVerdict({ present: true, bytes: 400, files: 5 }, { bytes: 1000, files: 10 }, 0.5)).toMatchObject({ ok: false, reason: expect.stringContaining('shrank by 60%') });
    expect(shrinkVerdict({ present: true, bytes: 600, files: 5 }, { bytes: 1000, files: 10 }, 0.5)).toEqual({ ok: true });
    expect(shrinkVerdict({ present: true, bytes: 10, files: 5 }, undefined, 0.5)).toEqual({ ok: true });
  });

  it('bounds rclone deletions by max_shrink of the last copy, never below what one transaction replaces', () => {
    expect(maxDeleteFor(undefined, 0.5)).toBe(64);
    expect(maxDeleteFor(10_000, 0.5)).toBe(5000);
  });
});

describe('offsiteVerdict', () => {
  const now = new Date('2026-03-03T00:00:00Z');
  it('is red without a verified copy, when stale, or when a later attempt failed; green otherwise', () => {
    expect(offsiteVerdict('main', { target: 'cold', maxAgeMs: 2 * 86400_000 }, now)).toMatchObject({ light: 'red', reason: 'main: off-site cold: no verified copy yet' });
    expect(offsiteVerdict('main', { target: 'cold', maxAgeMs: 86400_000, newestVerified: new Date('2026-03-01T00:00:00Z') }, now)).toMatchObject({ light: 'red', reason: expect.stringContaining('stale') });
    const fresh = new Date('2026-03-02T20:00:00Z');
    expect(offsiteVerdict('main', { target: 'cold', maxAgeMs: 86400_000, newestVerified: fresh }, now)).toMatchObject({ light: 'green', ageMs: 4 * 3600_000 });
    const refused = { at: new Date('2026-03-02T23:00:00Z'), kind: 'copy', status: 'refused', error: 'the local repository is missing' };
    expect(offsiteVerdict('main', { target: 'cold', maxAgeMs: 86400_000, newestVerified: fresh, lastAttempt: refused }, now)).toMatchObject({ light: 'red', reason: expect.stringContaining('last copy refused') });
  });
});

describe('off-site copies in the host verdict', () => {
  it('make the host red, show a status line and a stale finding when the newest verified copy is too old', () => {
    const now = new Date('2026-03-03T00:00:00Z');
    const facts = {
      host: 'main', maxAgeMs: 86400_000, lastSuccess: new Date('2026-03-02T23:00:00Z'), sources: [], checks: [],
      offsite: [{ target: 'cold', maxAgeMs: 2 * 86400_000, newestVerified: new Date('2026-02-27T00:00:00Z') }, { target: 'dr', maxAgeMs: 2 * 86400_000, newestVerified: new Date('2026-03-02T23:30:00Z') }],
    };
    const v = judgeFreshness(facts, now);
    expect(v.light).toBe('red');
    expect(v.offsite.map((o) => o.light)).toEqual(['red', 'green']);
    expect(statusText([v])).toMatch(/^main\s+off-site cold\s+RED\s+2026-02-27T00:00:00Z\s+4d\s+2d/m);
    expect(statusText([v])).toContain('RED main: off-site cold: stale: newest verified copy 4d old (max_age 2d)');
    expect(staleFindings(facts, now)).toEqual([expect.objectContaining({ host: 'main', offsite: 'cold', message: 'main: newest verified off-site copy on cold is 4d old (max_age 2d)' })]);
  });
});
