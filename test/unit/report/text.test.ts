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
          failures: [{ run_id: 3, step: 'pull', source: 'db', message: 'cannot list /srv/db: connection refused' }],
          warnings: [{ run_id: 3, step: 'pull', source: 'data', status: 'warning', retries: 1, message: 'some files vanished before they could be transferred (rsync exit 24)' }],
          partial_archives: ['web-20260310T020000Z'],
        }),
      ],
    };
    const text = reportText(r);
    expect(text).toContain('  failures:\n    pull/db: cannot list /srv/db: connection refused');
    expect(text).toContain('    pull/data: some files vanished before they could be transferred (rsync exit 24) (1 retry)');
    expect(text).toContain('  partial archives: web-20260310T020000Z');
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
