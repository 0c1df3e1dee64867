import { describe, expect, it } from 'vitest';
import { clip, quietLines, summaryLine } from '../../../src/commands/quiet-lines.js';

const job = { command: 'run', status: 'failed', logFile: '/var/lib/pullback/logs/pullback-2025-01-02.log' };

describe('quietLines', () => {
  it('is empty when every host went well and nothing else did not', () => {
    expect(quietLines({ ...job, status: 'ok' }, [{ host: 'a', status: 'ok', problems: [] }, { host: 'b', status: 'skipped', problems: [] }], [])).toEqual([]);
  });

  it('names the host, each failed step with its source and the error, and the log file', () => {
    const lines = quietLines(
      job,
      [
        { host: 'a', status: 'ok', problems: [] },
        { host: 'b', status: 'failed', problems: ['pull data failed'] },
      ],
      [
        { host: 'a', step: 'pull', source: 'data', status: 'ok', error: null },
        { host: 'b', step: 'connect', source: null, status: 'ok', error: null },
        { host: 'b', step: 'pull', source: 'data', status: 'failed', error: 'cannot pull /srv: connection refused (rsync exit 12)' },
      ],
    );
    expect(lines).toEqual([
      'pullback run FAILED: 1 of 2 host(s) did not succeed (details: /var/lib/pullback/logs/pullback-2025-01-02.log)',
      'b: FAILED',
      '  step pull (source data) failed: cannot pull /srv: connection refused (rsync exit 12)',
    ]);
  });

  it("uses the host's problems when no step recorded an error, and adds the extra lines", () => {
    const lines = quietLines({ ...job, status: 'warning' }, [{ host: 'b', status: 'warning', problems: ['partial archive'] }], [], ['could not notify webhook http://x of failure']);
    expect(lines).toEqual(['pullback run WARNING: 1 of 1 host(s) warned (details: /var/lib/pullback/logs/pullback-2025-01-02.log)', 'b: WARNING', '  partial archive', 'could not notify webhook http://x of failure']);
  });

  it('prints a delivery given up even when every host went well', () => {
    expect(quietLines({ ...job, status: 'ok' }, [{ host: 'a', status: 'ok', problems: [] }], [], ['could not notify x'])).toEqual(['pullback run OK (details: /var/lib/pullback/logs/pullback-2025-01-02.log)', 'could not notify x']);
  });
});

describe('clip', () => {
  it('keeps a few short lines and says how many more are in the log file', () => {
    const long = `rsync ${'--option '.repeat(100)}`;
    const out = clip([long, 'two', '', 'three', 'four', 'five'].join('\n'));
    expect(out).toHaveLength(4);
    expect(out[0]!.length).toBe(300);
    expect(out[0]!.endsWith('…')).toBe(true);
    expect(out.slice(1)).toEqual(['two', 'three', '(2 more line(s) in the log file)']);
  });
});

describe('summaryLine', () => {
  it('is one line with the job and each host', () => {
    expect(summaryLine('run', 'warning', [{ host: 'a', status: 'ok', problems: [] }, { host: 'b', status: 'warning', problems: [] }])).toBe('pullback run WARNING: a OK, b WARNING');
  });
});
