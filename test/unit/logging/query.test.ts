import { describe, expect, it } from 'vitest';
import { entryMatches, logFilesSince } from '../../../src/logging/query.js';

describe('pullback logs query', () => {
  const warn = { level: 40, time: Date.parse('2026-03-01T10:00:00Z'), runId: 3, host: 'web', msg: 'x' };
  it('filters by level, time, run and host (restores onto the host too)', () => {
    expect(entryMatches(warn, { minLevel: 40, hosts: ['web'], runId: 3, sinceMs: Date.parse('2026-03-01T09:00:00Z') })).toBe(true);
    expect(entryMatches(warn, { minLevel: 50 })).toBe(false);
    expect(entryMatches(warn, { hosts: ['db'] })).toBe(false);
    expect(entryMatches(warn, { runId: 4 })).toBe(false);
    expect(entryMatches(warn, { sinceMs: Date.parse('2026-03-01T11:00:00Z') })).toBe(false);
    expect(entryMatches({ level: 30, restore: 'db', msg: 'y' }, { hosts: ['db'] })).toBe(true);
    expect(entryMatches({ level: 30, msg: 'run started' }, {})).toBe(true);
  });

  it('reads only the files of the days the period touches, oldest first', () => {
    const names = ['pullback-2026-03-02.log', 'pullback-2026-02-28.log', 'pullback-2026-03-01.log', 'notes.txt'];
    expect(logFilesSince(names, Date.parse('2026-03-01T23:00:00Z'))).toEqual(['pullback-2026-03-01.log', 'pullback-2026-03-02.log']);
    expect(logFilesSince(names)).toEqual(['pullback-2026-02-28.log', 'pullback-2026-03-01.log', 'pullback-2026-03-02.log']);
  });
});
