import { describe, expect, it } from 'vitest';
import { judgeFreshness, staleFindings, statusExitCode, type HostFacts } from '../../../src/report/freshness.js';

const H = 3600_000;
const now = new Date('2026-03-10T07:00:00Z');
const ago = (h: number) => new Date(now.getTime() - h * H);

function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    host: 'web',
    maxAgeMs: 26 * H,
    lastSuccess: ago(5),
    lastJob: { kind: 'run', status: 'ok', at: ago(5) },
    sources: [{ name: 'data', maxAgeMs: 26 * H, lastSuccess: ago(5), lastAttempt: { at: ago(5), status: 'ok' } }],
    checks: [
      { kind: 'archives', frequency: 'always', last: { at: ago(5), status: 'ok' } },
      { kind: 'data', frequency: 'never' },
      { kind: 'drill', frequency: 'monthly', last: { at: ago(24 * 10), status: 'ok' } },
    ],
    ...over,
  };
}

describe('judgeFreshness', () => {
  it('is green when everything is within its limit', () => {
    const v = judgeFreshness(facts(), now);
    expect(v.light).toBe('green');
    expect(v.backup).toMatchObject({ light: 'green', ageMs: 5 * H, limitMs: 26 * H });
    expect(v.checks.find((c) => c.kind === 'data')?.light).toBe('green');
    expect(statusExitCode([v])).toBe(0);
  });

  it('is red for an old last success even when the last job (long ago) succeeded', () => {
    const v = judgeFreshness(facts({ lastSuccess: ago(50), lastJob: { kind: 'run', status: 'ok', at: ago(50) } }), now);
    expect(v.backup.light).toBe('red');
    expect(v.backup.reason).toMatch(/stale: last success 2d 2h ago \(max_age 1d 2h\)/);
    expect(statusExitCode([v])).toBe(1);
  });

  it('is red when the last job failed though the last success is fresh; amber when it warned', () => {
    expect(judgeFreshness(facts({ lastJob: { kind: 'run', status: 'failed', at: ago(1), error: 'ssh refused' } }), now).backup).toMatchObject({ light: 'red', reason: 'web: last run failed: ssh refused' });
    const w = judgeFreshness(facts({ lastJob: { kind: 'run', status: 'warning', at: ago(1) } }), now);
    expect(w.light).toBe('amber');
    expect(statusExitCode([w])).toBe(0);
  });

  it('is red when never backed up', () => {
    const v = judgeFreshness(facts({ lastSuccess: undefined, lastJob: undefined, sources: [{ name: 'data', maxAgeMs: 26 * H }] }), now);
    expect(v.backup.reason).toBe('web: never backed up successfully');
    expect(v.sources[0]!.light).toBe('red');
  });

  it("a source's own failed last attempt is red even when its last success is within max_age", () => {
    const v = judgeFreshness(facts({ sources: [{ name: 'data', maxAgeMs: 26 * H, lastSuccess: ago(20), lastAttempt: { at: ago(1), status: 'failed', error: 'rsync exit 23' } }] }), now);
    expect(v.sources[0]).toMatchObject({ light: 'red', reason: 'web/data: last attempt failed: rsync exit 23' });
  });

  it('uses each source its own max_age', () => {
    const v = judgeFreshness(facts({ sources: [{ name: 'db', maxAgeMs: 8 * 24 * H, lastSuccess: ago(24 * 3) }] }), now);
    expect(v.sources[0]!.light).toBe('green');
  });

  it('checks: amber when due, red when failed, never run or twice overdue', () => {
    const check = (last: { at: Date; status: string } | undefined, frequency: 'weekly' | 'monthly' = 'weekly') =>
      judgeFreshness(facts({ checks: [{ kind: 'archives', frequency, ...(last ? { last } : {}) }] }), now).checks[0]!.light;
    expect(check({ at: ago(24 * 3), status: 'ok' })).toBe('green');
    expect(check({ at: ago(24 * 9), status: 'ok' })).toBe('amber');
    expect(check({ at: ago(24 * 15), status: 'ok' })).toBe('red');
    expect(check({ at: ago(1), status: 'failed' })).toBe('red');
    expect(check({ at: ago(1), status: 'warning' })).toBe('amber');
    expect(check(undefined, 'monthly')).toBe('red');
    expect(judgeFreshness(facts({ checks: [{ kind: 'archives', frequency: 'always' }] }), now).checks[0]!.reason).toBe('web: archives: never ran (expected always)');
  });
});

describe('staleFindings', () => {
  it('names the stale host and sources, and nothing fresh', () => {
    const f = facts({ lastSuccess: ago(30), sources: [{ name: 'data', maxAgeMs: 26 * H, lastSuccess: ago(30) }, { name: 'db', maxAgeMs: 48 * H, lastSuccess: ago(30) }, { name: 'new', maxAgeMs: 26 * H }] });
    const out = staleFindings(f, now);
    expect(out.map((s) => [s.host, s.source, s.ageMs])).toEqual([
      ['web', undefined, 30 * H],
      ['web', 'data', 30 * H],
      ['web', 'new', undefined],
    ]);
    expect(out[0]!.message).toBe('web: last successful backup 1d 6h ago (max_age 1d 2h)');
    expect(out[2]!.message).toBe('web/new: no successful backup yet');
    expect(staleFindings(facts(), now)).toEqual([]);
  });
});
