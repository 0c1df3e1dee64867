import { describe, expect, it } from 'vitest';
import { dayOfLogFile, expiredLogFiles, logDay, logFileName } from '../../../src/logging/rotation.js';

describe('log rotation', () => {
  it('names a file per UTC day', () => {
    expect(logDay(new Date('2026-03-01T23:59:59Z'))).toBe('2026-03-01');
    expect(logFileName('2026-03-01')).toBe('pullback-2026-03-01.log');
    expect(dayOfLogFile('pullback-2026-03-01.log')).toBe('2026-03-01');
    expect(dayOfLogFile('pullback-2026-03-01.log.bak')).toBeUndefined();
  });

  it('keeps the newest keep_days days, today included, and never lists other files', () => {
    const names = ['pullback-2026-03-01.log', 'pullback-2026-02-28.log', 'pullback-2026-02-27.log', 'pullback-2026-02-26.log', 'notes.txt', 'pullback-2025-12-31.log'];
    expect(expiredLogFiles(names, '2026-03-01', 3).sort()).toEqual(['pullback-2025-12-31.log', 'pullback-2026-02-26.log']);
    expect(expiredLogFiles(names, '2026-03-01', 1).sort()).toEqual(['pullback-2025-12-31.log', 'pullback-2026-02-26.log', 'pullback-2026-02-27.log', 'pullback-2026-02-28.log']);
    expect(expiredLogFiles(names, '2026-03-01', 400)).toEqual([]);
  });
});
