// Server-side SVG from a vega-lite spec: compiled to vega and drawn by a headless View (renderer
// 'none', no canvas, no DOM), so the report page needs no script and makes no request.
// vega and vega-lite are loaded on the first chart, not with the CLI: together they take half a
// second to load, which every other command (a nightly run, a drill) would pay for nothing.
import type { TopLevelSpec } from 'vega-lite';
import type { TrendChart } from './charts.js';
import type { RenderedChart } from './html.js';

/** The SVG markup of `spec`. Throws when the spec does not compile (a bug in the spec builder). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  // No loader access: the specs carry their data inline, and a spec that asked for a URL must fail, not fetch.
  const view = new View(parse(compile(spec).spec), { renderer: 'none', loader: { load: () => Promise.reject(new Error('charts load no data')) } as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Each chart with its SVG in both layouts (none for a chart without specs). */
export async function renderCharts(charts: TrendChart[]): Promise<RenderedChart[]> {
  return Promise.all(
    charts.map(async (c) => {
      if (!c.specs) return { id: c.id, title: c.title };
      const [wide, narrow] = await Promise.all([renderSvg(c.specs.wide), renderSvg(c.specs.narrow)]);
      return { id: c.id, title: c.title, svg: { wide, narrow } };
    }),
  );
}
