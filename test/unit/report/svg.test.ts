import { describe, expect, it } from 'vitest';
import type { HostReport, ReportData } from '../../../src/report/data.js';
import { renderCharts } from '../../../src/report/svg.js';
import { trendCharts } from '../../../src/report/charts.js';

const trendHost = (name: string, n: number): HostReport =>
  ({
    host: name,
    trend: Array.from({ length: n }, (_, i) => ({ at: `2026-03-0${i + 1}T02:00:00.000Z`, status: 'ok', duration_seconds: 60 * (i + 1), bytes: 1000 * (i + 1), files: 1, repository_deduplicated_bytes: 5000 * (i + 1) })),
  }) as HostReport;

describe('renderCharts', () => {
  it('renders each trend chart to SVG in Node, with host names escaped and no external reference', async () => {
    const r = { hosts: [trendHost('web', 3), trendHost('<b>"evil"&</b>', 2)] } as ReportData;
    const charts = await renderCharts(trendCharts(r));
    expect(charts).toHaveLength(3);
    for (const svg of charts.flatMap((c) => [c.svg!.wide, c.svg!.narrow])) {
      expect(svg).toMatch(/^<svg [^>]*width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
      expect(svg).toContain('web');
      expect(svg).toContain('&lt;b&gt;');
      expect(svg).not.toContain('<b>');
      expect(svg.replace(/xmlns(:xlink)?="[^"]*"/g, '')).not.toMatch(/https?:|<script|<image/);
    }
    // Each layout as wide as it says (the narrow one fits a phone at scale 1).
    expect(charts[0]!.svg!.narrow).toMatch(/^<svg [^>]*width="340"/);
    expect(charts[0]!.svg!.wide).toMatch(/^<svg [^>]*width="760"/);
  });

  it('draws the time axis in UTC, 24-hour, whatever the process time zone', async () => {
    // Node reads TZ when it first formats a date; vega's local-time formatting would follow it. The
    // axis must not: its labels are the UTC hours of the points.
    const r = { hosts: [trendHost('web', 1), { ...trendHost('db', 0), trend: [{ at: '2026-03-01T13:30:00.000Z', status: 'failed', duration_seconds: 5, bytes: 0, files: 0, repository_deduplicated_bytes: 0 }] }] } as ReportData;
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Chatham'; // +13:45: a local-time axis would say 15:45
    const [duration] = await renderCharts(trendCharts(r)).finally(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });
    const labels = [...duration!.svg!.wide.matchAll(/<text[^>]*>(\d\d:\d\d)<\/text>/g)].map((m) => m[1]);
    expect(labels.length).toBeGreaterThan(2);
    expect(labels[0]).toBe('02:00');
    expect(labels).toContain('14:00');
    expect(duration!.svg!.wide).toContain('time (UTC), 2026-03-01');
    // The failed run marked in the page's red, said in the legend.
    expect(duration!.svg!.wide).toContain('fill="#cf222e"');
    expect(duration!.svg!.wide).toMatch(/>failed<\/text>/);
  });

  it('leaves a chart without spec without SVG', async () => {
    expect(await renderCharts([{ id: 'duration', title: 'x' }])).toEqual([{ id: 'duration', title: 'x' }]);
  });
});
