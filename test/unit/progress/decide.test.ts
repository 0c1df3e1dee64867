// When progress is drawn: a terminal still attached, at log level info or lower.
import { describe, expect, it } from 'vitest';
import { shouldDrawProgress } from '../../../src/progress/decide.js';

const tty = { stdoutIsTTY: true, level: 'info', terminalGone: false };

describe('shouldDrawProgress', () => {
  it('draws on a terminal at info, debug and trace', () => {
    for (const level of ['info', 'debug', 'trace']) expect(shouldDrawProgress({ ...tty, level }), level).toBe(true);
  });

  it('stays quiet at warn and above, and when silent', () => {
    for (const level of ['warn', 'error', 'fatal', 'silent']) expect(shouldDrawProgress({ ...tty, level }), level).toBe(false);
  });

  it('stays quiet when stdout is not a terminal (cron) or the terminal hung up', () => {
    expect(shouldDrawProgress({ ...tty, stdoutIsTTY: false })).toBe(false);
    expect(shouldDrawProgress({ ...tty, terminalGone: true })).toBe(false);
  });

  it('takes an unknown level as the default, info', () => {
    expect(shouldDrawProgress({ ...tty, level: 'loud' })).toBe(true);
  });
});
