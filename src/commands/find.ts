// `pullback find --host H PATTERN`: every version of the matching paths across the archives kept,
// newest first (restore/find.ts), answered from the file index (refreshed first).
import { matchingVersions } from '../catalog/file-index.js';
import { UsageError } from '../errors.js';
import { foundVersions, formatFound, pathMatch } from '../restore/find.js';
import { browseOptions, lookInto, stringOption, upToDateIndex } from './browse.js';
import type { GlobalOptions } from './common.js';
import type { CommandSpec } from './spec.js';
import { findJson } from '../restore/browse-json.js';

const DEFAULT_LIMIT = 100;

/** Runs `pullback find`; 0 when something matched, 1 when nothing did. */
export function findCommand(g: GlobalOptions, o: { host?: string; pattern: string; json: boolean; limit: number }): Promise<number> {
  return lookInto(g, o.host, async (env, h) => {
    const state = await upToDateIndex(env, h);
    const started = Date.now();
    const { versions, morePaths } = matchingVersions(env.catalog.db, h.repository, h.host.name, pathMatch(o.pattern), o.limit);
    const rows = foundVersions(versions, state.archives);
    env.logger.debug({ ms: Date.now() - started, versions: versions.length }, 'find: answered from the file index');
    if (o.json) env.out(JSON.stringify(findJson(h.host.name, o.pattern, rows, morePaths), null, 2));
    else {
      env.out(formatFound(rows, h.host.name));
      if (morePaths) env.out(`(only the first ${o.limit} matching paths: narrow the pattern or give --limit)`);
    }
    return rows.length > 0 ? 0 : 1;
  });
}

export const findSpec: CommandSpec = {
  name: 'find',
  summary: 'find files by name across every archive kept: each version, newest first, and whether it changed',
  usage: 'pullback find --host NAME [--json] [--limit N] PATTERN     (PATTERN: a glob like "*.conf" or "data/docs/*", else a substring of the path)',
  options: {
    host: browseOptions.host('searched'),
    json: browseOptions.json,
    limit: { type: 'string', value: 'N', description: `list at most N matching paths (default ${DEFAULT_LIMIT})` },
  },
  positionals: true,
  handler: (g, v, positionals) => {
    if (positionals.length !== 1 || positionals[0] === '') throw new UsageError('find needs one PATTERN (a glob like "*.txt", or a substring of the path)');
    const limit = typeof v.limit === 'string' ? Number(v.limit) : DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit takes a whole number of paths, not ${JSON.stringify(v.limit)}`);
    return findCommand(g, { host: stringOption(v, 'host'), pattern: positionals[0]!, json: !!v.json, limit });
  },
};
