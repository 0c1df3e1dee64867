// A host of the morning report's data, for the report formatters' tests (text and HTML).
import type { HostReport } from '../../../src/report/data.js';
import { groupNotes } from '../../../src/report/grouping.js';

/** A green host with one source, two archives, two checks and a two-night trend; `over` replaces fields (the failure and warning groups follow its failures and warnings). */
export const reportHost = (over: Partial<HostReport>): HostReport => {
  const h = base(over);
  return { ...h, failure_groups: over.failure_groups ?? groupNotes(h.failures), warning_groups: over.warning_groups ?? groupNotes(h.warnings) };
};

const base = (over: Partial<HostReport>): HostReport => ({
  host: 'web',
  status: 'green',
  backup: { status: 'green', last_success: '2026-03-10T02:10:00.000Z', age_seconds: 5 * 3600, max_age_seconds: 26 * 3600, reason: 'web: last success 5h ago' },
  last_run: { run_id: 3, kind: 'run', status: 'ok', started_at: '2026-03-10T02:00:00.000Z', ended_at: '2026-03-10T02:10:00.000Z', duration_seconds: 600, bytes: 2048, files: 3, archive: 'web-20260310T020000Z', error: null },
  runs: [],
  sources: [{ source: 'data', status: 'green', last_success: '2026-03-10T02:09:00.000Z', age_seconds: 5 * 3600, reason: '', last_run: { status: 'ok', bytes: 2048, files: 3, error: null } }],
  warnings: [],
  failures: [],
  failure_groups: [],
  warning_groups: [],
  partial_archives: [],
  archive_loss: { status: 'green', reason: 'every archive recorded is in the repository' },
  archives: { count: 2, repository_bytes: 10 * 1024 * 1024, deduplicated_bytes: 1024 * 1024, compressed_bytes: 3 * 1024 * 1024, size_measured_at: '2026-03-10T02:10:00.000Z', growth_bytes: 4096, last: 'web-20260310T020000Z' },
  checks: [
    { kind: 'archives', frequency: 'always', status: 'green', at: '2026-03-10T02:10:00.000Z', result: 'ok', reason: '' },
    { kind: 'data', frequency: 'never', status: 'green', at: null, result: null, reason: '' },
  ],
  drill: null,
  restores: [],
  interrupted_restores: [],
  trend: [
    { at: '2026-03-09T02:00:00.000Z', status: 'ok', duration_seconds: 300, bytes: 1000, files: 1, repository_deduplicated_bytes: 1000 * 1024 },
    { at: '2026-03-10T02:00:00.000Z', status: 'ok', duration_seconds: 600, bytes: 3000, files: 3, repository_deduplicated_bytes: 1024 * 1024 },
  ],
  ...over,
});
