// The morning report's 30-day trend charts as vega-lite specs: one chart per measure (duration,
// transferred bytes, the repository's size as borg measured it after each night), one line per host. Pure: charts/svg renders them.
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from './data.js';

export interface TrendChart {
  id: 'duration' | 'bytes' | 'repository';
  title: string;
  /** Undefined when no host had a nightly run in the trend window (nothing to draw). */
  spec?: TopLevelSpec;
}

type Field = 'duration_seconds' | 'bytes' | 'repository_deduplicated_bytes';
const MEASURES: Array<{ id: TrendChart['id']; title: string; field: Field; axis: string; format: string }> = [
  { id: 'duration', title: 'Nightly run duration', field: 'duration_seconds', axis: 'seconds', format: '~s' },
  { id: 'bytes', title: 'Transferred per nightly run', field: 'bytes', axis: 'bytes', format: '~s' },
  { id: 'repository', title: 'Repository size (borg: deduplicated, compressed)', field: 'repository_deduplicated_bytes', axis: 'bytes', format: '~s' },
];

/** The three trend charts of `r`; a chart without any data point has no spec. */
export function trendCharts(r: ReportData): TrendChart[] {
  return MEASURES.map((m) => {
    const values = r.hosts.flatMap((h) =>
      h.trend.filter((p) => p[m.field] !== null).map((p) => ({ host: h.host, at: p.at, value: p[m.field] as number, status: p.status })),
    );
    if (values.length === 0) return { id: m.id, title: m.title };
    const spec: TopLevelSpec = {
      width: 520,
      height: 160,
      background: 'white',
      config: { font: 'sans-serif', view: { stroke: null } },
      data: { values },
      mark: { type: 'line', point: { filled: true, size: 50 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'at', type: 'temporal', title: null, axis: { labelAngle: 0, tickCount: 6 } },
        y: { field: 'value', type: 'quantitative', title: m.axis, axis: { format: m.format }, scale: { zero: true } },
        color: { field: 'host', type: 'nominal', title: 'host', legend: { orient: 'right' } },
      },
    };
    return { id: m.id, title: m.title, spec };
  });
}
