import { describe, expect, it } from 'vitest';
import { lineFormatter } from '../../../src/logging/format.js';

const at = new Date(2026, 0, 2, 3, 4, 5).getTime();

describe('lineFormatter', () => {
  it('prints time, level, where and message on one line, with the other fields after it', () => {
    const line = lineFormatter()(JSON.stringify({ level: 40, time: at, pid: 1, runId: 7, host: 'web', step: 'pull', source: 'www', msg: 'files vanished', exitCode: 24 }));
    expect(line).toBe('[03:04:05] WARN: web pull www: files vanished {"runId":7,"exitCode":24}\n');
  });

  it('prints a message without context as it is, with the date when asked', () => {
    expect(lineFormatter({ withDate: true })({ level: 30, time: at, pid: 1, msg: 'run started' })).toBe('[2026-01-02 03:04:05] INFO: run started\n');
  });

  it('uses no colour unless asked', () => {
    expect(lineFormatter()({ level: 50, time: at, msg: 'x' })).not.toContain('\u001b[');
    expect(lineFormatter({ colorize: true })({ level: 50, time: at, msg: 'x' })).toContain('\u001b[');
  });
});
