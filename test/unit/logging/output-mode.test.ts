import { describe, expect, it } from 'vitest';
import { decideOutputMode } from '../../../src/logging/output-mode.js';

describe('decideOutputMode', () => {
  const cron = { stdoutIsTTY: false, stderrIsTTY: false };
  it('is quiet when neither stdout nor stderr is a terminal (cron, systemd)', () => {
    expect(decideOutputMode(cron)).toBe('quiet');
  });
  it('is the terminal when either stream is one', () => {
    expect(decideOutputMode({ stdoutIsTTY: true, stderrIsTTY: false })).toBe('terminal');
    expect(decideOutputMode({ stdoutIsTTY: false, stderrIsTTY: true })).toBe('terminal');
  });
  it('follows --quiet, --verbose and $PULLBACK_VERBOSE=1', () => {
    expect(decideOutputMode({ stdoutIsTTY: true, stderrIsTTY: true, quiet: true })).toBe('quiet');
    expect(decideOutputMode({ ...cron, verbose: true })).toBe('terminal');
    expect(decideOutputMode({ ...cron, verboseEnv: '1' })).toBe('terminal');
    expect(decideOutputMode({ ...cron, verboseEnv: '0' })).toBe('quiet');
    expect(decideOutputMode({ ...cron, verboseEnv: '1', quiet: true })).toBe('quiet');
  });
});
