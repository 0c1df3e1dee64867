// Which checks are due: a pure function of frequency, last success and now.
import { describe, expect, it } from 'vitest';
import { dueChecks, isDue } from '../../../src/nightly/checks-due.js';

const NOW = new Date('2024-06-15T03:00:00Z');
const ago = (hours: number) => new Date(NOW.getTime() - hours * 3600_000);

describe('isDue', () => {
  it('always and never ignore history', () => {
    expect(isDue('always', NOW, NOW)).toBe(true);
    expect(isDue('never', undefined, NOW)).toBe(false);
    expect(isDue('never', ago(10_000), NOW)).toBe(false);
  });

  it('a check that never ran is due', () => {
    for (const f of ['daily', 'weekly', 'monthly'] as const) expect(isDue(f, undefined, NOW), f).toBe(true);
  });

  it('daily: due after 23 hours (a cron starting a little early still counts)', () => {
    expect(isDue('daily', ago(22.9), NOW)).toBe(false);
    expect(isDue('daily', ago(23), NOW)).toBe(true);
    expect(isDue('daily', ago(24), NOW)).toBe(true);
  });

  it('weekly: due an hour short of 7 days', () => {
    expect(isDue('weekly', ago(7 * 24 - 1.1), NOW)).toBe(false);
    expect(isDue('weekly', ago(7 * 24 - 1), NOW)).toBe(true);
  });

  it('monthly: due an hour short of 30 days', () => {
    expect(isDue('monthly', ago(29 * 24), NOW)).toBe(false);
    expect(isDue('monthly', ago(30 * 24 - 1), NOW)).toBe(true);
  });

  it('a last run in the future (clock change) is not due', () => {
    expect(isDue('daily', ago(-5), NOW)).toBe(false);
  });
});

describe('dueChecks', () => {
  it('answers for every kind from its own history', () => {
    const last: Record<string, Date | undefined> = { repository: NOW, archives: ago(30), data: ago(24 * 10), drill: undefined };
    const seen: string[] = [];
    const due = dueChecks({ repository: 'always', archives: 'daily', data: 'monthly', drill: 'never' }, (k) => (seen.push(k), last[k]), NOW);
    expect(due).toEqual({ repository: true, archives: true, data: false, drill: false });
    expect(seen.sort()).toEqual(['archives', 'data', 'drill', 'repository']);
  });
});
