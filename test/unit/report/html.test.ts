import { describe, expect, it } from 'vitest';
import type { HostReport, ReportData } from '../../../src/report/data.js';
import { trendCharts } from '../../../src/report/charts.js';
import { escapeHtml, reportHtml, summaryLine } from '../../../src/report/html.js';
import { reportHost } from './fixture.js';

const HOSTILE = `<script>alert("x")</script>&'`;

// The shared host, with the reason and the single check this file's page was written against.
const host = (over: Partial<HostReport>): HostReport =>
  reportHost({
    backup: { status: 'green', last_success: '2026-03-10T02:10:00.000Z', age_seconds: 5 * 3600, max_age_seconds: 26 * 3600, reason: '' },
    checks: [{ kind: 'archives', frequency: 'always', status: 'green', at: '2026-03-10T02:10:00.000Z', result: 'ok', reason: '' }],
    ...over,
  });

const report = (hosts: HostReport[]): ReportData => ({ generated_at: '2026-03-10T07:00:00.000Z', since: '2026-03-09T07:00:00.000Z', status: hosts.some((h) => h.status === 'red') ? 'red' : 'green', hosts });

describe('reportHtml', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(HOSTILE)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('says how many hosts are in which colour, red first, zero counts left out', () => {
    expect(summaryLine(report([host({ host: 'a', status: 'green' }), host({ host: 'b', status: 'red' })]))).toBe('2 hosts: 1 red, 1 green');
    expect(summaryLine(report([host({})]))).toBe('1 host: 1 green');
    expect(summaryLine(report([]))).toBe('0 hosts');
  });

  it('is one self-contained page: summary, a coloured row and a section per host, the charts inline, no external reference', () => {
    const html = reportHtml(report([host({}), host({ host: 'db', status: 'red', failures: [{ run_id: 4, step: 'pull', source: 'data', message: 'connection refused' }] })]), [
      { id: 'duration', title: 'Nightly run duration', svg: '<svg width="10" height="10"></svg>' },
      { id: 'bytes', title: 'Transferred' },
    ]);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<p class="summary">2 hosts: 1 red, 1 green</p>');
    expect(html).toContain('<tr class="host-row green" data-host="web">');
    expect(html).toContain('<tr class="host-row red" data-host="db">');
    expect(html).toContain('<section class="host red" id="host-1" data-host="db">');
    expect(html).toMatch(/<h3>Failures<\/h3><ul><li><b>pull\/data<\/b> \(run 4\)<pre>connection refused<\/pre>/);
    expect(html).not.toContain('<h3>Warnings</h3>');
    expect(html).toContain('<figure class="chart" data-chart="duration"><figcaption>Nightly run duration</figcaption><svg width="10" height="10"></svg></figure>');
    expect(html).toContain('no nightly runs in the last 30 days');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });

  it('escapes host names, error lines, warnings, archive names and restore targets', () => {
    const html = reportHtml(
      report([
        host({
          host: HOSTILE,
          status: 'red',
          failures: [{ run_id: 1, step: 'pull', source: HOSTILE, message: `rsync: ${HOSTILE}` }],
          warnings: [{ run_id: 1, step: 'pull', source: 'data', status: 'warning', retries: 1, message: HOSTILE }],
          partial_archives: [HOSTILE],
          restores: [{ id: 1, kind: 'files', host: HOSTILE, target: HOSTILE, archive: HOSTILE, status: 'failed', started_at: '2026-03-10T03:00:00.000Z', ended_at: null, error: HOSTILE }],
          drill: { at: '2026-03-10T04:00:00.000Z', result: 'failed', archive: HOSTILE, files_sampled: 2, matches: 1, error: HOSTILE },
        }),
      ]),
      [],
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain(`"x"`);
    expect(html).toContain('data-host="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"');
    expect(html).toContain('<pre>rsync: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</pre>');
    expect(html.split(escapeHtml(HOSTILE)).length - 1).toBeGreaterThanOrEqual(10);
  });
});

describe('trendCharts', () => {
  it('gives duration, bytes and repository size with one point per host and nightly run', () => {
    const charts = trendCharts(report([host({}), host({ host: 'db', trend: [{ at: '2026-03-10T02:00:00.000Z', status: 'failed', duration_seconds: null, bytes: 0, files: 0, repository_deduplicated_bytes: 0 }] })]));
    expect(charts.map((c) => c.id)).toEqual(['duration', 'bytes', 'repository']);
    const values = (i: number) => (charts[i]!.spec!.data as { values: Array<{ host: string; value: number }> }).values;
    expect(values(0)).toEqual([expect.objectContaining({ host: 'web', value: 300 }), expect.objectContaining({ host: 'web', value: 600 })]);
    expect(values(1).map((v) => v.host)).toEqual(['web', 'web', 'db']);
    expect(values(2).at(-1)).toMatchObject({ host: 'db', value: 0 });
  });

  it('has no spec for a chart with nothing to draw', () => {
    expect(trendCharts(report([host({ trend: [] })])).every((c) => c.spec === undefined)).toBe(true);
  });
});
