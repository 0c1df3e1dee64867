import { describe, expect, it } from 'vitest';
import type { HostReport, ReportData } from '../../../src/actions/report-data.js';
import { reportText } from '../../../src/plan/report-text.js';

const host = (over: Partial<HostReport>): HostReport => ({
  host: 'web',
  status: 'green',
  backup: { last_success: '2026-03-10T02:10:00.000Z', age_seconds: 5 * 3600, max_age_seconds: 26 * 3600, reason: 'web: last success 5h ago' },
  last_run: { run_id: 3, kind: 'run', status: 'ok', started_at: '2026-03-10T02:00:00.000Z', ended_at: '2026-03-10T02:10:00.000Z', duration_seconds: 600, bytes: 2048, files: 3, archive: 'web-20260310T020000Z', error: null },
  runs: [],
  sources: [{ source: 'data', status: 'green', last_success: '2026-03-10T02:09:00.000Z', age_seconds: 5 * 3600, reason: '', last_run: { status: 'ok', bytes: 2048, files: 3, error: null } }],
  warnings: [],
  failures: [],
  partial_archives: [],
  archives: { count: 2, repository_bytes: 10 * 1024 * 1024, deduplicated_bytes: 1024 * 1024, growth_bytes: 4096, last: 'web-20260310T020000Z' },
  checks: [
    { kind: 'archives', frequency: 'always', status: 'green', at: '2026-03-10T02:10:00.000Z', result: 'ok', reason: '' },
    { kind: 'data', frequency: 'never', status: 'green', at: null, result: null, reason: '' },
  ],
  drill: null,
  restores: [],
  trend: [
    { at: '2026-03-09T02:00:00.000Z', status: 'ok', duration_seconds: 300, bytes: 1000, files: 1, repository_deduplicated_bytes: 1000 * 1024 },
    { at: '2026-03-10T02:00:00.000Z', status: 'ok', duration_seconds: 600, bytes: 3000, files: 3, repository_deduplicated_bytes: 1024 * 1024 },
  ],
  ...over,
});

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
