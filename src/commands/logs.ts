// `pullback logs`: the daily JSON log files of the state directory, printed readably and filtered
// by host, period, level and run. Reads line by line (a night of rsync debug lines is large).
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import type { CommandSpec } from './spec.js';
import { loadConfig } from '../config/index.js';
import { parseDuration } from '../config/units.js';
import { UsageError } from '../errors.js';
import { lineFormatter } from '../logging/format.js';
import { entryMatches, logFilesSince, type LogQuery } from '../logging/query.js';
import type { GlobalOptions } from './common.js';

export interface LogsOptions {
  hosts?: string[];
  since?: string;
  level?: string;
  run?: string;
}

/** Prints the matching entries of the log files; UsageError on a bad option. Returns 0. */
export async function logsCommand(g: GlobalOptions, opts: LogsOptions): Promise<number> {
  const query = toQuery(opts);
  const config = loadConfig(g.configPath);
  const dir = join(config.global.stateDir, 'logs');
  if (!existsSync(dir)) return 0;
  const format = lineFormatter({ withDate: true, colorize: process.stdout.isTTY === true && !process.env.NO_COLOR });
  const json = g.logFormat === 'json';
  for (const name of logFilesSince(readdirSync(dir), query.sinceMs)) {
    for await (const line of createInterface({ input: createReadStream(join(dir, name)), crlfDelay: Infinity })) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // a line cut short by a crash
      }
      if (entryMatches(entry, query)) process.stdout.write(json ? `${line}\n` : format(entry));
    }
  }
  return 0;
}

function toQuery(opts: LogsOptions): LogQuery {
  const q: LogQuery = {};
  if (opts.hosts?.length) q.hosts = opts.hosts;
  if (opts.since !== undefined) {
    try {
      q.sinceMs = Date.now() - parseDuration(opts.since) * 1000;
    } catch {
      throw new UsageError(`--since: not a duration: ${opts.since} (e.g. 24h, 7d)`);
    }
  }
  if (opts.level !== undefined) {
    const v = pino.levels.values[opts.level];
    if (v === undefined) throw new UsageError(`--level: unknown level '${opts.level}' (trace, debug, info, warn, error or fatal)`);
    q.minLevel = v;
  }
  if (opts.run !== undefined) {
    if (!/^[0-9]+$/.test(opts.run)) throw new UsageError(`--run: not a run ID: ${opts.run}`);
    q.runId = Number(opts.run);
  }
  return q;
}

export const logsSpec: CommandSpec = {
  name: 'logs',
  summary: "print pullback's log files readably, filtered by host, period, level and run",
  usage: 'pullback logs [--host NAME]... [--since 24h] [--level warn] [--run ID]',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only entries of this host (its runs, restores and rollbacks); repeat for several' },
    since: { type: 'string', value: 'DURATION', description: 'only entries of the last DURATION (e.g. 24h, 7d; default: every kept file)' },
    level: { type: 'string', value: 'LEVEL', description: 'only entries at this level or above: trace, debug, info, warn, error or fatal (default: all)' },
    run: { type: 'string', value: 'ID', description: 'only entries of this run (the run ID of pullback run, check, prune or drill)' },
  },
  handler: (g, v) => logsCommand(g, { hosts: v.host as string[] | undefined, since: v.since as string | undefined, level: v.level as string | undefined, run: v.run as string | undefined }),
};
