// `pullback report`: the morning report from the catalog, as text (default), JSON or an HTML page, to stdout or a file.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gatherReport, type ReportData } from '../report/data.js';
import { renderCharts } from '../report/svg.js';
import type { CommandSpec } from './spec.js';
import { parseDuration } from '../config/units.js';
import { UsageError } from '../errors.js';
import { writeAtomically } from '../report/metrics-write.js';
import { trendCharts } from '../report/charts.js';
import { reportHtml, type FleetSection } from '../report/html.js';
import { reportText } from '../report/text.js';
import { openEnv, selectHosts, type GlobalOptions } from './common.js';
import { jsonDocument } from '../util/json-doc.js';
import { fleetJson, fleetText } from '../report/fleet-status.js';
import { fleetVerdicts } from './fleet-view.js';

export interface ReportOptions {
  hosts?: string[];
  since: string;
  format: string;
  output?: string;
}

const FORMATS = ['text', 'json', 'html'];

const render = async (format: string, data: ReportData, fleet?: FleetSection): Promise<string> =>
  format === 'json' ? JSON.stringify(jsonDocument(data), null, 2) : format === 'html' ? reportHtml(data, await renderCharts(trendCharts(data)), fleet) : reportText(data);

/** Refuses (UsageError, exit 2) an --output that is a folder, or whose folder does not exist (never made silently). */
function outputProblem(output: string): void {
  const file = resolve(output);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--output ${output}: is a folder; give a file name (e.g. ${join(output, 'index.html')})`);
  const dir = dirname(file);
  if (!existsSync(dir)) throw new UsageError(`--output ${output}: the folder ${dir} does not exist (make it first)`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--output ${output}: ${dir} is not a folder`);
}

/** Prints (or writes to --output) the report; 0 always (status says whether things are fresh). Throws UsageError on bad options. */
export async function reportCommand(g: GlobalOptions, opts: ReportOptions): Promise<number> {
  if (!FORMATS.includes(opts.format)) throw new UsageError(`--format: unknown format '${opts.format}' (one of ${FORMATS.join(', ')})`);
  let sinceMs: number;
  try {
    sinceMs = parseDuration(opts.since) * 1000;
  } catch {
    throw new UsageError(`--since: not a duration: ${opts.since} (e.g. 24h, 7d)`);
  }
  if (opts.output !== undefined) outputProblem(opts.output);
  // A job (cron renders the page): no log lines on a terminal-less run; the report itself is still printed.
  const env = openEnv(g, { job: true });
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const now = new Date();
    const data = gatherReport({ ...env.config, hosts }, env.catalog, new Date(now.getTime() - sinceMs), now);
    // With a fleet catalog, the report shows the whole fleet (as status does): the text and JSON at
    // their end, the HTML page after its overview.
    const fleet = env.fleet ? await fleetVerdicts(env) : undefined;
    let text = await render(opts.format, data, env.fleet ? { url: env.fleet.url, verdicts: fleet } : undefined);
    if (env.fleet && opts.format !== 'html') {
      if (opts.format === 'json') text = JSON.stringify({ ...(JSON.parse(text) as object), fleet: fleet ? fleetJson(fleet) : null }, null, 2);
      else text += fleet ? `\n${fleetText(fleet, env.fleet.url)}` : `\n\nFleet (${env.fleet.url}): unreachable, this backup host's own servers only (above)`;
    }
    if (opts.output) writeAtomically(opts.output, `${text}\n`);
    else env.out(text);
    return 0;
  } finally {
    env.close();
  }
}

export const reportSpec: CommandSpec = {
  name: 'report',
  summary: 'the morning report: per host and source last success, transfers, warnings, failures, archives, checks, drills, restores and 30-day trends',
  usage: 'pullback report [--host NAME]... [--since 24h] [--format text|json|html] [--output FILE]',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
    since: { type: 'string', value: 'DURATION', description: 'the period reported on, back from now (default 24h)' },
    format: { type: 'string', value: 'FORMAT', description: 'text (default), json, or html (one self-contained page with trend charts)' },
    output: { type: 'string', value: 'FILE', description: 'write the report to FILE (atomically) instead of stdout' },
  },
  handler: (g, v) => reportCommand(g, { hosts: v.host as string[] | undefined, since: (v.since as string | undefined) ?? '24h', format: (v.format as string | undefined) ?? 'text', output: v.output as string | undefined }),
};
