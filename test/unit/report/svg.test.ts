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
    for (const c of charts) {
      expect(c.svg).toMatch(/^<svg [^>]*width="\d+" height="\d+"/);
      expect(c.svg).toContain('web');
      expect(c.svg).toContain('&lt;b&gt;');
      expect(c.svg).not.toContain('<b>');
      expect(c.svg!.replace(/xmlns(:xlink)?="[^"]*"/g, '')).not.toMatch(/https?:|<script|<image/);
    }
  });

  it('leaves a chart without spec without SVG', async () => {
    expect(await renderCharts([{ id: 'duration', title: 'x' }])).toEqual([{ id: 'duration', title: 'x', svg: undefined }]);
  });
});
