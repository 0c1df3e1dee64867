import { describe, expect, it } from 'vitest';
import type { HostReport, ReportData } from '../../../src/report/data.js';
import { STATUS_COLOURS, timeAxis, trendCharts } from '../../../src/report/charts.js';
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
    const html = reportHtml(report([host({}), host({ host: 'db', status: 'red', failures: [{ run_id: 4, step: 'pull', source: 'data', message: 'connection refused', at: '2026-03-10T02:00:01.250Z' }] })]), [
      { id: 'duration', title: 'Nightly run duration', svg: { wide: '<svg width="10" height="10"></svg>', narrow: '<svg width="5" height="5"></svg>' } },
      { id: 'bytes', title: 'Transferred' },
    ]);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<p class="summary">2 hosts: 1 red, 1 green</p>');
    expect(html).toContain('<tr class="host-row green" data-host="web">');
    expect(html).toContain('<tr class="host-row red" data-host="db">');
    expect(html).toContain('<section class="host red" id="host-1" data-host="db">');
    expect(html).toContain('<h3>Failures</h3><ul><li><b>pull/data</b> <span class="when">(run 4, 2026-03-10 02:00:01Z)</span><pre>connection refused</pre>');
    expect(html).not.toContain('<h3>Warnings</h3>');
    expect(html).toContain(
      '<figure class="chart" data-chart="duration"><figcaption>Nightly run duration</figcaption><div class="wide"><svg width="10" height="10"></svg></div><div class="narrow"><svg width="5" height="5"></svg></div></figure>',
    );
    expect(html).toContain('no nightly runs in the last 30 days');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });

  it('lists seven identical failures once, with their count and first and last time; the jobs likewise', () => {
    const night = (i: number) => `2026-03-0${i + 1}T02:00:00.000Z`;
    const failures = Array.from({ length: 7 }, (_, i) => ({ run_id: 10 + i, step: 'pull', source: 'data', message: 'ssh connection failed: ssh: connect to host db port 22: Connection refused', at: night(i) }));
    const runs = Array.from({ length: 7 }, (_, i) => ({ run_id: 10 + i, kind: 'run', status: 'failed', started_at: night(i), ended_at: night(i), duration_seconds: 1, bytes: 0, files: 0, archive: null, error: null }));
    const html = reportHtml(report([host({ host: 'db', status: 'red', failures: [...failures, { ...failures[0]!, step: 'dump', run_id: 12 }], runs })]), []);
    expect(html.split('Connection refused</pre>').length - 1).toBe(2);
    expect(html).toContain(
      '<li><b>pull/data</b> <span class="count" data-count="7">7 times</span> <span class="when">first 2026-03-01 02:00:00Z (run 10), last 2026-03-07 02:00:00Z (run 16)</span><pre>',
    );
    expect(html).toContain('<li><b>dump/data</b> <span class="when">(run 12, 2026-03-01 02:00:00Z)</span><pre>');
    expect(html).toContain('Jobs in the period: run failed (7 times)</p>');
    expect(html).toContain('<td data-label="in the period">8 failures (2 distinct)</td>');
  });

  it('is readable on a phone: the narrow charts and smaller margins below the breakpoint, tables in a box of their own', () => {
    const html = reportHtml(report([host({})]), []);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/@media \(max-width:\d+px\)\{[^}]*\}[\s\S]*\.chart \.wide\{display:none\}\.chart \.narrow\{display:block\}/);
    expect(html).toContain('<div class="table"><table><thead><tr><th>host</th>');
    expect(html).toContain('<h3>Sources</h3><div class="table"><table>');
  });

  it('escapes host names, error lines, warnings, archive names and restore targets', () => {
    const html = reportHtml(
      report([
        host({
          host: HOSTILE,
          status: 'red',
          failures: [{ run_id: 1, step: 'pull', source: HOSTILE, message: `rsync: ${HOSTILE}`, at: '2026-03-10T02:00:00.000Z' }],
          warnings: [{ run_id: 1, step: 'pull', source: 'data', status: 'warning', retries: 1, message: HOSTILE, at: '2026-03-10T02:00:00.000Z' }],
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
    const values = (i: number) => (charts[i]!.specs!.wide.data as { values: Array<{ host: string; value: number }> }).values;
    expect(charts[0]!.specs!.narrow.data).toEqual(charts[0]!.specs!.wide.data);
    expect(values(0)).toEqual([expect.objectContaining({ host: 'web', value: 300 }), expect.objectContaining({ host: 'web', value: 600 })]);
    expect(values(1).map((v) => v.host)).toEqual(['web', 'web', 'db']);
    expect(values(2).at(-1)).toMatchObject({ host: 'db', value: 0 });
  });

  it('has no spec for a chart with nothing to draw', () => {
    expect(trendCharts(report([host({ trend: [] })])).every((c) => c.specs === undefined)).toBe(true);
  });

  it('marks failed and interrupted runs in the status colours, only those that occur', () => {
    const run = (at: string, status: string) => ({ at, status, duration_seconds: 60, bytes: 1, files: 1, repository_deduplicated_bytes: 1 });
    const [withFailures] = trendCharts(report([host({ trend: [run('2026-03-09T02:00:00.000Z', 'ok'), run('2026-03-10T02:00:00.000Z', 'failed'), run('2026-03-11T02:00:00.000Z', 'interrupted')] })]));
    const marks = JSON.stringify((withFailures!.specs!.wide as { layer: unknown[] }).layer[1]);
    expect(marks).toContain('"oneOf":["failed","interrupted"]');
    expect(marks).toContain(`"range":["${STATUS_COLOURS.failed}","${STATUS_COLOURS.interrupted}"]`);
    expect([STATUS_COLOURS.failed, STATUS_COLOURS.interrupted]).toEqual(['#cf222e', '#bf8700']);
    const [quiet] = trendCharts(report([host({})]));
    expect((quiet!.specs!.narrow as { layer: unknown[] }).layer).toHaveLength(1);
  });
});

describe('timeAxis', () => {
  const at = (iso: string) => Date.parse(iso);
  it('within a day: whole minutes or hours in UTC, 24-hour, the date in the title, the domain widened to whole steps', () => {
    const a = timeAxis('2026-12-07T21:50:03.000Z', '2026-12-07T21:53:10.000Z', 6);
    expect(a).toEqual({ format: '%H:%M', title: 'time (UTC), 2026-12-07', domain: [at('2026-12-07T21:50:00Z'), at('2026-12-07T21:54:00Z')], values: [0, 1, 2, 3, 4].map((m) => at('2026-12-07T21:50:00Z') + m * 60_000) });
    const night = timeAxis('2026-12-07T01:00:00.000Z', '2026-12-07T23:10:00.000Z', 4);
    expect(night.values.map((v) => new Date(v).toISOString().slice(11, 16))).toEqual(['00:00', '06:00', '12:00', '18:00', '00:00']);
  });

  it('over midnight the clock labels carry the date; past two days, dates on whole days', () => {
    expect(timeAxis('2026-12-07T22:00:00.000Z', '2026-12-08T03:00:00.000Z', 6)).toMatchObject({ format: '%m-%d %H:%M', title: 'time (UTC)' });
    const month = timeAxis('2026-11-08T02:00:00.000Z', '2026-12-07T02:00:00.000Z', 6);
    expect(month).toMatchObject({ format: '%Y-%m-%d', title: 'date (UTC)', domain: [at('2026-11-08T00:00:00Z'), at('2026-12-08T00:00:00Z')] });
    expect(month.values.length).toBeLessThanOrEqual(6);
    expect(month.values.every((v) => v % 86400_000 === 0 && v >= month.domain[0] && v <= month.domain[1])).toBe(true);
  });
});
