import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { classifyFile, countVerdicts, drillStatus, MISSING_ON_ORIGIN, missingOnOrigin, nothingVerified, unverifiedFiles, type FileObservation, type FileResult } from '../../../src/drill/verdict.js';

const H = 'a'.repeat(64);
const base: FileObservation = {
  path: 'data/x',
  restoredSha256: H,
  borgSha256: H,
  archivedSize: 10,
  archivedMtimeSeconds: 1000,
  origin: { kind: 'present', type: 'file', size: 10, mtimeSeconds: 1000, sha256: H },
};

describe('drill verdicts', () => {
  it('matches when restored, borg and origin agree', () => {
    expect(classifyFile(base)).toEqual({ path: 'data/x', verdict: 'match', reason: undefined, originCompared: true });
  });

  it('is a mismatch when the restored copy differs from borg, the dump record or an unchanged origin', () => {
    expect(classifyFile({ ...base, borgSha256: 'b'.repeat(64) }).verdict).toBe('mismatch');
    expect(classifyFile({ ...base, recordedSha256: 'c'.repeat(64) }).reason).toMatch(/dump time/);
    expect(classifyFile({ ...base, origin: { ...base.origin, sha256: 'd'.repeat(64) } as never }).reason).toMatch(/origin/);
    expect(classifyFile({ ...base, restoredSha256: undefined, restoreError: 'segment 6' }).reason).toMatch(/segment 6/);
  });

  it('is a mismatch for a file a repair zero-filled in the archive, whatever the origin holds (borg agrees with the zeros)', () => {
    const at = '2026-12-08T01:00:00.000Z';
    for (const origin of [base.origin, { kind: 'missing' } as const, { kind: 'present', type: 'file', size: 10, mtimeSeconds: 2000 } as const, { kind: 'unchecked', reason: 'down' } as const]) {
      const r = classifyFile({ ...base, zeroFilledAt: at, origin });
      expect(r.verdict).toBe('mismatch');
      expect(r.reason).toBe(`ZERO-FILLED by pullback check --repair at ${at}: its unreadable parts are zeros in this archive (a restore of it refuses this file; the other files are not affected)`);
    }
  });

  it('counts origin files modified or gone since the backup as changed', () => {
    expect(classifyFile({ ...base, origin: { kind: 'missing' } }).verdict).toBe('changed');
    expect(classifyFile({ ...base, origin: { kind: 'present', type: 'file', size: 11, mtimeSeconds: 1000 } }).reason).toBe('size changed');
    expect(classifyFile({ ...base, origin: { kind: 'present', type: 'file', size: 10, mtimeSeconds: 1001 } }).verdict).toBe('changed');
    expect(classifyFile({ ...base, origin: { kind: 'present', type: 'directory', size: 10, mtimeSeconds: 1000 } }).verdict).toBe('changed');
  });

  it('is unverified, never a match, when the origin could not be read (borg agreeing is not enough)', () => {
    const r = classifyFile({ ...base, origin: { kind: 'unchecked', reason: 'down' } });
    expect(r).toEqual({ path: 'data/x', verdict: 'unverified', reason: 'down', originCompared: false });
    const unhashed = classifyFile({ ...base, origin: { kind: 'present', type: 'file', size: 10, mtimeSeconds: 1000 } });
    expect(unhashed.verdict).toBe('unverified');
    // borg's own disagreement is still a mismatch, whatever the origin said.
    expect(classifyFile({ ...base, borgSha256: 'b'.repeat(64), origin: { kind: 'unchecked', reason: 'down' } }).verdict).toBe('mismatch');
  });

  it('says which files went unverified, grouped by reason, and how many were verified', () => {
    const un = (path: string, reason: string): FileResult => ({ path, verdict: 'unverified', reason, originCompared: false });
    const rs = [classifyFile(base), classifyFile({ ...base, origin: { kind: 'missing' } }), un('data/a', 'refused'), un('data/b', 'refused'), un('data/c', 'denied')];
    expect(unverifiedFiles(rs)).toBe('3 of 5 sampled file(s) not verified against the origin (2 verified): data/a, data/b: refused; data/c: denied');
    expect(unverifiedFiles(rs, 1)).toBe('3 of 5 sampled file(s) not verified against the origin (2 verified): data/a and 1 more: refused; data/c: denied');
    expect(unverifiedFiles([classifyFile(base)])).toBeUndefined();
  });

  it('says why a drill verified nothing: no sample, or no sampled file compared', () => {
    const c = { sampled: 0, matches: 0, mismatches: 0, changed: 0, unverified: 0 };
    expect(nothingVerified(c, 0, 'archive')).toBe('sampled nothing: the archive holds no regular file and no dump to restore');
    expect(nothingVerified(c, 0, 'mirror')).toMatch(/^sampled nothing: the archive \(read from the host's mirror/);
    expect(nothingVerified(c, 12, 'archive')).toBe('sampled nothing: a sample of 0 of 12 file(s)');
    expect(nothingVerified({ ...c, sampled: 4, unverified: 4 }, 4, 'archive')).toBe('none of the 4 sampled file(s) could be compared with the origin');
    expect(nothingVerified({ ...c, sampled: 4, unverified: 3, changed: 1 }, 4, 'archive')).toBeUndefined();
    expect(nothingVerified({ ...c, sampled: 4, unverified: 3, matches: 1 }, 4, 'archive')).toBeUndefined();
  });

  it('derives counts and status', () => {
    const rs = [classifyFile(base), classifyFile({ ...base, origin: { kind: 'missing' } }), classifyFile({ ...base, borgSha256: undefined })];
    expect(countVerdicts(rs)).toEqual({ sampled: 3, matches: 1, mismatches: 1, changed: 1, unverified: 0 });
    expect(drillStatus({ mismatches: 1, databaseFailures: 0, warnings: 0 })).toBe('failed');
    expect(drillStatus({ mismatches: 0, databaseFailures: 1, warnings: 0 })).toBe('failed');
    expect(drillStatus({ mismatches: 0, databaseFailures: 0, error: 'x', warnings: 0 })).toBe('failed');
    expect(drillStatus({ mismatches: 0, databaseFailures: 0, warnings: 2 })).toBe('warning');
    expect(drillStatus({ mismatches: 0, databaseFailures: 0, warnings: 0 })).toBe('ok');
    expect(drillStatus({ mismatches: 0, databaseFailures: 0, warnings: 0, nothingVerified: 'sampled nothing' })).toBe('unverified');
    expect(drillStatus({ mismatches: 1, databaseFailures: 0, warnings: 0, nothingVerified: 'x' })).toBe('failed');
  });
});

describe('missingOnOrigin', () => {
  const results = (missing: number, total: number): FileResult[] =>
    Array.from({ length: total }, (_, i) =>
      i < missing ? { path: `data/f${i}`, verdict: 'changed', reason: MISSING_ON_ORIGIN, originCompared: false } : { path: `data/g${i}`, verdict: 'match', originCompared: true },
    );

  it('counts the missing files with the total and the first ten, and warns past the share', () => {
    const m = missingOnOrigin(results(54, 301), DEFAULTS.drillMaxMissing)!;
    expect(m.count).toBe(54);
    expect(m.text).toBe(`54 of 301 sampled file(s) are no longer on the origin, first 10: ${Array.from({ length: 10 }, (_, i) => `data/f${i}`).join(', ')}; and 44 more`);
    expect(m.warning).toBe(`${m.text} (more than 10% of the sample, drill.max_missing)`);
  });

  it('says the count without a warning up to the share', () => {
    const m = missingOnOrigin(results(30, 301), DEFAULTS.drillMaxMissing)!;
    expect(m.text).toContain('30 of 301');
    expect(m.warning).toBeUndefined();
    expect(missingOnOrigin(results(10, 100), 0.1)!.warning).toBeUndefined();
    expect(missingOnOrigin(results(11, 100), 0.1)!.warning).toBeDefined();
    expect(missingOnOrigin(results(1, 100), 0)!.warning).toBeDefined();
  });

  it('is undefined when nothing is missing; other changes do not count', () => {
    expect(missingOnOrigin(results(0, 5), 0.1)).toBeUndefined();
    expect(missingOnOrigin([{ path: 'x', verdict: 'changed', reason: 'size changed', originCompared: false }], 0)).toBeUndefined();
  });
});
