import { describe, expect, it } from 'vitest';
import type { ReportData } from '../../../src/report/data.js';
import { reportText } from '../../../src/report/text.js';
import { reportHost } from './fixture.js';

const host = reportHost;

describe('reportText', () => {
  it('gives per host its status, last success, transfers, archives, checks and trends', () => {
    const r: ReportData = { generated_at: '2026-03-10T07:00:00.000Z', since: '2026-03-09T07:00:00.000Z', status: 'green', hosts: [host({})] };
    const text = reportText(r);
    expect(text).toContain('pullback report 2026-03-10T07:00:00Z: GREEN (since 2026-03-09T07:00:00Z)');
    expect(text).toContain('web: GREEN');
    expect(text).toContain('  last success: 2026-03-10T02:10:00Z (5h ago, max_age 1d 2h)');
    expect(text).toContain('archives: 2,');
    expect(text).toContain('checks: archives ok 2026-03-10T02:10:00Z (GREEN)');
    expect(text).toContain('trend (30 days, 2 nightly run(s), 2 successful):');
    expect(text).not.toContain('failures:');
    expect(reportText({ ...r, hosts: [host({ checks: [{ kind: 'archives', frequency: 'always', status: 'red', at: null, result: null, reason: '' }] })] })).toContain('  checks: archives never (RED)');
  });

  it('lists failures with their error lines, warnings with retries and partial archives', () => {
    const r: ReportData = {
      generated_at: '2026-03-10T07:00:00.000Z',
      since: '2026-03-09T07:00:00.000Z',
      status: 'red',
      hosts: [
        host({
          status: 'red',
          failures: [{ run_id: 3, step: 'pull', source: 'db', message: 'cannot list /srv/db: connection refused', at: '2026-03-10T02:01:00.000Z' }],
          warnings: [{ run_id: 3, step: 'pull', source: 'data', status: 'warning', retries: 1, message: 'some files vanished before they could be transferred (rsync exit 24)', at: '2026-03-10T02:01:00.000Z' }],
          partial_archives: ['web-20260310T020000Z'],
        }),
      ],
    };
    const text = reportText(r);
    expect(text).toContain('  failures:\n    pull/db: cannot list /srv/db: connection refused');
    expect(text).toContain('    pull/data: some files vanished before they could be transferred (rsync exit 24) (1 retry)');
    expect(text).toContain('  partial archives: web-20260310T020000Z');
  });

  it('tells a failure repeated every night once, with its count and first and last time (each distinct failure apart)', () => {
    const refused = 'ssh connection failed: ssh: connect to host db port 22: Connection refused';
    const failures = [1, 2, 3, 4, 5, 6, 7].map((d) => ({ run_id: d, step: 'pull', source: 'data', message: refused, at: `2026-03-0${d}T02:00:00.000Z` }));
    failures.splice(3, 0, { run_id: 4, step: 'pull', source: 'logs', message: refused, at: '2026-03-04T02:00:00.000Z' });
    const r: ReportData = { generated_at: '2026-03-08T07:00:00.000Z', since: '2026-03-01T00:00:00.000Z', status: 'red', hosts: [host({ status: 'red', failures })] };
    const text = reportText(r);
    expect(text).toContain(
      `  failures:\n    pull/data: ${refused}\n      7 times, first 2026-03-01T02:00:00Z (run 1), last 2026-03-07T02:00:00Z (run 7)\n    pull/logs: ${refused}\n  `,
    );
    expect(text.split(refused).length - 1).toBe(2);
  });
});

describe('reportText and reportHtml with a damaged repository', () => {
  it('put the open check failure, with its files and next command, at the top of the host', async () => {
    const { reportHtml } = await import('../../../src/report/html.js');
    const reason = 'DAMAGED repository: the repository check failed 2h ago (2026-03-10T05:00:00.000Z): borg check found problems; unreadable files: web-1: data/a.bin; next: pullback check --repair --host web';
    const r: ReportData = { generated_at: '2026-03-10T07:00:00.000Z', since: '2026-03-09T07:00:00.000Z', status: 'red', hosts: [host({ status: 'red', damage: [{ kinds: ['repository'], failed_at: '2026-03-10T05:00:00.000Z', reason }] })] };
    const text = reportText(r).split('\n');
    expect(text[text.indexOf('web: RED') + 1]).toBe(`  RED ${reason}`);
    expect(reportHtml(r, [])).toContain(`<div class="damage"><h3>Damaged repository</h3><ul><li><span class="light red">RED</span> ${reason}</li></ul></div>`);
  });
});
