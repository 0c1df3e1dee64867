import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../../src/report/metrics-render.js';

describe('renderMetrics', () => {
  it('renders per host and source gauges in the Prometheus text format, from its own registry', async () => {
    const text = await renderMetrics([
      {
        host: 'web',
        freshness: 'green',
        lastSuccess: new Date('2026-03-10T02:10:00Z'),
        lastRun: { runId: 1, kind: 'run', status: 'warning', startedAt: '2026-03-10T02:00:00Z', endedAt: '2026-03-10T02:10:00Z', durationMs: 600_000, bytes: 2048, files: 3, sources: [{ source: 'data', status: 'warning', bytes: 2048, files: 3 }] },
        maxAgeSeconds: 93600,
        firstSeen: new Date('2026-03-01T00:00:00Z'),
        sources: [{ source: 'data', lastSuccess: new Date('2026-03-10T02:09:00Z'), maxAgeSeconds: 3600, firstSeen: new Date('2026-03-01T00:00:00Z') }],
        archives: 4,
        repositoryBytes: 1000,
        repository: { uniqueCsize: 100, totalCsize: 400, measuredAt: new Date('2026-03-10T02:11:00Z') },
        checks: [{ kind: 'archives', at: new Date('2026-03-10T02:10:00Z'), status: 'ok' }, { kind: 'drill', at: new Date('2026-03-01T05:00:00Z'), status: 'failed' }, { kind: 'data' }],
      },
      { host: 'db', freshness: 'red', maxAgeSeconds: 93600, sources: [{ source: 'pg', maxAgeSeconds: 93600 }], archives: 0, repositoryBytes: 0, checks: [], pitrDrills: [{ source: 'pg', status: 'ok', rtoSeconds: 7.7 }, { source: 'other', status: 'unverified' }] },
    ], new Date('2026-03-10T03:00:00Z'));
    // The PITR drills of the last drill: passed or not, and the recovery time measured (none when not measured).
    expect(text).toContain('pullback_pitr_drill_success{host="db",source="pg"} 1');
    expect(text).toContain('pullback_pitr_drill_rto_seconds{host="db",source="pg"} 7.7');
    expect(text).toContain('pullback_pitr_drill_success{host="db",source="other"} 0');
    expect(text).not.toContain('pullback_pitr_drill_rto_seconds{host="db",source="other"}');
    expect(text).toContain('# TYPE pullback_last_success_timestamp_seconds gauge');
    expect(text).toContain(`pullback_last_success_timestamp_seconds{host="web"} ${Date.parse('2026-03-10T02:10:00Z') / 1000}`);
    // Never succeeded: a series of 0 (alertable), with its max_age; the file's own time.
    expect(text).toContain('pullback_last_success_timestamp_seconds{host="db"} 0');
    expect(text).toContain('pullback_source_last_success_timestamp_seconds{host="db",source="pg"} 0');
    expect(text).toContain('pullback_source_max_age_seconds{host="db",source="pg"} 93600');
    expect(text).toContain('pullback_source_max_age_seconds{host="web",source="data"} 3600');
    expect(text).toContain('pullback_max_age_seconds{host="web"} 93600');
    expect(text).toContain(`pullback_first_seen_timestamp_seconds{host="web"} ${Date.parse('2026-03-01T00:00:00Z') / 1000}`);
    expect(text).toContain(`pullback_metrics_generated_timestamp_seconds ${Date.parse('2026-03-10T03:00:00Z') / 1000}`);
    // The repository's size is borg's (unique_csize), only once measured.
    expect(text).toContain('pullback_repository_deduplicated_bytes{host="web"} 100');
    expect(text).toContain('pullback_repository_compressed_bytes{host="web"} 400');
    expect(text).toContain(`pullback_repository_size_timestamp_seconds{host="web"} ${Date.parse('2026-03-10T02:11:00Z') / 1000}`);
    expect(text).not.toContain('pullback_repository_deduplicated_bytes{host="db"}');
    expect(text).toContain('pullback_last_run_status{host="web",status="warning"} 1');
    expect(text).toContain('pullback_last_run_status{host="web",status="ok"} 0');
    expect(text).toContain('pullback_last_run_duration_seconds{host="web"} 600');
    expect(text).toContain('pullback_source_last_run_transferred_files{host="web",source="data"} 3');
    expect(text).toContain('pullback_last_check_success{host="web",kind="archives"} 1');
    expect(text).toContain('pullback_last_drill_success{host="web"} 0');
    expect(text).not.toContain('kind="data"');
    expect(text).toContain('pullback_freshness{host="db"} 2');
    expect(text).not.toMatch(/process_cpu|nodejs_/); // not the global default registry
  });

  it('renders each point-in-time recovery source\'s window: its oldest and newest points and its light', async () => {
    const text = await renderMetrics([
      {
        host: 'db',
        freshness: 'green',
        maxAgeSeconds: 93600,
        sources: [],
        archives: 1,
        repositoryBytes: 0,
        checks: [],
        recovery: [
          { source: 'pg', light: 'green', oldest: new Date('2026-12-01T02:00:00Z'), newest: new Date('2026-12-07T18:00:00Z') },
          { source: 'pg2', light: 'red' },
        ],
      },
    ]);
    expect(text).toContain(`pullback_recovery_oldest_timestamp_seconds{host="db",source="pg"} ${Date.parse('2026-12-01T02:00:00Z') / 1000}`);
    expect(text).toContain(`pullback_recovery_newest_timestamp_seconds{host="db",source="pg"} ${Date.parse('2026-12-07T18:00:00Z') / 1000}`);
    expect(text).toContain('pullback_recovery_window_status{host="db",source="pg"} 0');
    expect(text).toContain('pullback_recovery_window_status{host="db",source="pg2"} 2');
    expect(text).not.toContain('pullback_recovery_newest_timestamp_seconds{host="db",source="pg2"}');
  });
});
