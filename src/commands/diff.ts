// `pullback diff --host H A B [PATH]`: what changed between two archives (added, deleted, modified), by borg diff.
import { listArchives } from '../tools/borg/list.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { diffArchives } from '../tools/borg/diff.js';
import { UsageError } from '../errors.js';
import { entryAt } from '../catalog/file-index.js';
import { formatDiff, shownName } from '../restore/browse-format.js';
import { unsafeSelectedPath } from '../restore/selection.js';
import { browseOptions, chosenArchive, lookInto, stringOption, upToDateIndex, type OpenedHost } from './browse.js';
import type { CommandEnv, GlobalOptions } from './common.js';
import type { CommandSpec } from './spec.js';
import { diffJson } from '../restore/browse-json.js';

/** Runs `pullback diff`; 0 (also when nothing changed), 1 when neither archive holds the PATH given. */
export function diffCommand(g: GlobalOptions, o: { host?: string; a: string; b: string; path?: string; json: boolean }): Promise<number> {
  return lookInto(g, o.host, async (env, h) => {
    const archives = await listArchives(h.borg, h.repository, nightlyGlob(h.host.name));
    const a = chosenArchive(archives, o.a, h.host.name);
    const b = chosenArchive(archives, o.b, h.host.name);
    // borg diff says nothing of a path neither archive holds: "no difference" would read as "unchanged".
    if (o.path !== undefined && !(await heldByEither(env, h, [a.name, b.name], o.path))) {
      env.out(`${shownName(o.path)}: in neither ${a.name} nor ${b.name} (pullback find --host ${h.host.name} PATTERN lists the archives that hold a path)`);
      return 1;
    }
    const entries = await diffArchives(h.borg, h.repository, a.name, b.name, o.path ? [o.path] : []);
    if (o.json) env.out(JSON.stringify(diffJson(h.host.name, a.name, b.name, o.path, entries), null, 2));
    else env.out(formatDiff(entries, a.name, b.name));
    return 0;
  });
}

/** Whether one of the archives (by name) holds `path`, from the file index (brought up to date first). */
async function heldByEither(env: CommandEnv, h: OpenedHost, names: readonly string[], path: string): Promise<boolean> {
  const state = await upToDateIndex(env, h);
  return state.archives.some((x) => names.includes(x.name) && entryAt(env.catalog.db, h.repository, h.host.name, x.seq, path) !== undefined);
}

export const diffSpec: CommandSpec = {
  name: 'diff',
  summary: 'what changed between two archives of a host (added, deleted, modified), optionally under SOURCE/PATH',
  usage: 'pullback diff --host NAME [--json] ARCHIVE_A ARCHIVE_B [SOURCE/PATH]',
  options: {
    host: browseOptions.host('compared'),
    json: browseOptions.json,
  },
  positionals: true,
  handler: (g, v, positionals) => {
    if (positionals.length < 2 || positionals.length > 3) throw new UsageError('diff needs two archives (from, to) and at most one SOURCE/PATH');
    const path = positionals[2]?.replace(/\/+$/, '');
    const why = path === undefined ? undefined : unsafeSelectedPath(path);
    if (why) throw new UsageError(`diff ${JSON.stringify(positionals[2])}: the path ${why}`);
    return diffCommand(g, { host: stringOption(v, 'host'), a: positionals[0]!, b: positionals[1]!, path, json: !!v.json });
  },
};
