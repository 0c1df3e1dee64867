// The morning report's 30-day trend charts as vega-lite specs: one chart per measure (duration,
// transferred bytes, the repository's size as borg measured it after each night), one line per host, failed and interrupted runs
// marked in the page's status colours. Each chart comes in two layouts, drawn beforehand (svg.ts):
// wide for a desk, narrow (legend below, larger text) for a phone; the page's CSS shows one of them
// (the page runs no script, so a chart cannot size itself to its box). Time is UTC in 24-hour
// form, as everywhere else in the report. Pure.
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from './data.js';

export type ChartLayout = 'wide' | 'narrow';

export interface TrendChart {
  id: 'duration' | 'bytes' | 'repository';
  title: string;
  /** Per layout; undefined when no host had a nightly run in the trend window (nothing to draw). */
  specs?: Record<ChartLayout, TopLevelSpec>;
}

/** The status colours of the page (html.ts .light.red and .light.amber). */
export const STATUS_COLOURS = { failed: '#cf222e', interrupted: '#bf8700' } as const;
// Host lines in colours that are none of the status colours (no red, amber or green).
const HOST_COLOURS = ['#0969da', '#8250df', '#1b7c83', '#57606a', '#bf3989', '#0a3069', '#6639ba', '#24292f'];

/** The whole SVG's width and the plot's height in CSS pixels, and the text sizes, per layout: the narrow one fits a 400 px phone at scale 1, the wide one the page's main column (html.ts NARROW). */
const LAYOUTS: Record<ChartLayout, { width: number; height: number; font: number; title: number; ticks: number }> = {
  wide: { width: 760, height: 160, font: 11, title: 12, ticks: 8 },
  narrow: { width: 340, height: 150, font: 12, title: 12, ticks: 4 },
};

type Field = 'duration_seconds' | 'bytes' | 'repository_deduplicated_bytes';
const MEASURES: Array<{ id: TrendChart['id']; title: string; field: Field; axis: string; format: string }> = [
  { id: 'duration', title: 'Nightly run duration', field: 'duration_seconds', axis: 'seconds', format: '~s' },
  { id: 'bytes', title: 'Transferred per nightly run', field: 'bytes', axis: 'bytes', format: '~s' },
  { id: 'repository', title: 'Repository size (borg: deduplicated, compressed)', field: 'repository_deduplicated_bytes', axis: 'bytes', format: '~s' },
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Tick steps a person reads easily (whole minutes, hours, days), the fewest that give at most `ticks` ticks.
const CLOCK_STEPS = [1, 2, 5, 10, 15, 30].map((n) => n * MINUTE).concat([1, 2, 3, 6, 12].map((n) => n * HOUR));
const DAY_STEPS = [1, 2, 7, 14].map((n) => n * DAY);

/**
 * The time axis for points between `first` and `last` with at most about `ticks` ticks: within a
 * day hours and minutes (the date in the title), within two days the date too, else dates; the ticks on whole steps of UTC time
 * (never two labels alike: vega's own ticks could put two at 22:06), the domain widened to them.
 */
export function timeAxis(first: string, last: string, ticks: number): { format: string; title: string; domain: [number, number]; values: number[] } {
  const [from, to] = [Date.parse(first), Date.parse(last)];
  const day = (iso: string) => iso.slice(0, 10);
  const oneDay = day(first) === day(last);
  const clock = to - from <= 2 * DAY;
  const steps = clock ? CLOCK_STEPS : DAY_STEPS;
  // Over midnight a clock label carries its date too, and is twice as wide: half as many.
  const most = clock && !oneDay ? Math.max(2, Math.floor(ticks / 2)) : ticks;
  const step = steps.find((s) => (to - from) / s <= most) ?? steps.at(-1)!;
  // The domain widened to whole steps (whole days for dates: a week's step would leave a gap), the ticks on whole steps within it.
  const unit = clock ? step : DAY;
  const lo = Math.floor(from / unit) * unit;
  const hi = Math.max(Math.ceil(to / unit) * unit, lo + unit);
  const values: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) values.push(v);
  if (!clock) return { format: '%Y-%m-%d', title: 'date (UTC)', domain: [lo, hi], values };
  return oneDay ? { format: '%H:%M', title: `time (UTC), ${day(first)}`, domain: [lo, hi], values } : { format: '%m-%d %H:%M', title: 'time (UTC)', domain: [lo, hi], values };
}

interface Point {
  host: string;
  at: string;
  value: number;
  status: string;
}

function spec(values: Point[], m: (typeof MEASURES)[number], layout: ChartLayout): TopLevelSpec {
  const l = LAYOUTS[layout];
  const times = values.map((v) => v.at).sort((a, b) => Date.parse(a) - Date.parse(b));
  const axis = timeAxis(times[0]!, times.at(-1)!, l.ticks);
  const marked = (Object.keys(STATUS_COLOURS) as Array<keyof typeof STATUS_COLOURS>).filter((s) => values.some((v) => v.status === s));
  const hosts = [...new Set(values.map((v) => v.host))];
  // On a phone the hosts are listed under the chart, one a line (side by side they were cut off), and the run marks over it.
  const hostLegend = layout === 'narrow' ? { orient: 'bottom' as const, direction: 'vertical' as const } : { orient: 'right' as const };
  const runLegend = layout === 'narrow' ? { orient: 'top' as const, direction: 'horizontal' as const } : { orient: 'right' as const };
  return {
    width: l.width,
    height: l.height,
    // The width is the whole SVG's (it must fit the page), the height the plot's (legends add to it).
    autosize: { type: 'fit-x', contains: 'padding' },
    background: 'white',
    config: {
      font: 'sans-serif',
      view: { stroke: null },
      axis: { labelFontSize: l.font, titleFontSize: l.title, titleFontWeight: 'normal' },
      legend: { labelFontSize: l.font, titleFontSize: l.title, labelLimit: 300 },
    },
    data: { values },
    encoding: {
      x: { field: 'at', type: 'temporal', scale: { type: 'utc', domain: axis.domain }, title: axis.title, axis: { format: axis.format, values: axis.values, labelAngle: 0, labelOverlap: true } },
      y: { field: 'value', type: 'quantitative', title: m.axis, axis: { format: m.format, tickCount: 4 }, scale: { zero: true } },
    },
    layer: [
      {
        mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
        encoding: { color: { field: 'host', type: 'nominal', title: 'host', scale: { domain: hosts, range: HOST_COLOURS }, legend: hostLegend } },
      },
      ...(marked.length
        ? [
            {
              transform: [{ filter: { field: 'status', oneOf: marked } }],
              mark: { type: 'point' as const, shape: 'cross', filled: true, opacity: 1, size: 160, stroke: 'white', strokeWidth: 1 },
              encoding: { fill: { field: 'status', type: 'nominal' as const, title: 'run', scale: { domain: marked, range: marked.map((s) => STATUS_COLOURS[s]) }, legend: { ...runLegend, symbolType: 'cross' } } },
            },
          ]
        : []),
    ],
  };
}

/** The three trend charts of `r`, each in both layouts; a chart without any data point has no specs. */
export function trendCharts(r: ReportData): TrendChart[] {
  return MEASURES.map((m) => {
    const values: Point[] = r.hosts.flatMap((h) =>
      h.trend.filter((p) => p[m.field] !== null).map((p) => ({ host: h.host, at: p.at, value: p[m.field] as number, status: p.status })),
    );
    if (values.length === 0) return { id: m.id, title: m.title };
    return { id: m.id, title: m.title, specs: { wide: spec(values, m, 'wide'), narrow: spec(values, m, 'narrow') } };
  });
}
