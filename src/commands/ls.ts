// `pullback ls --host H [--archive A] [PATH]`: one folder of an archive like `ls -l`, from the file index.
import { entryAt, folderEntries } from '../catalog/file-index.js';
import { UsageError } from '../errors.js';
import { formatListing, shownName } from '../restore/browse-format.js';
import { unsafeSelectedPath } from '../restore/selection.js';
import { browseOptions, chosenArchive, lookInto, stringOption, upToDateIndex } from './browse.js';
import type { GlobalOptions } from './common.js';
import type { CommandSpec } from './spec.js';
import { lsJson } from '../restore/browse-json.js';

/** Runs `pullback ls`; 0 when the path is in the archive, 1 when it is not. */
export function lsCommand(g: GlobalOptions, o: { host?: string; archive?: string; path: string; json: boolean }): Promise<number> {
  return lookInto(g, o.host, async (env, h) => {
    const state = await upToDateIndex(env, h);
    const archive = chosenArchive(state.archives, o.archive, h.host.name);
    const db = env.catalog.db;
    const self = o.path === '' ? undefined : entryAt(db, h.repository, h.host.name, archive.seq, o.path);
    if (o.path !== '' && !self) {
      env.out(`${shownName(o.path)}: not in ${archive.name} (pullback find --host ${h.host.name} PATTERN lists the archives that hold a path)`);
      return 1;
    }
    const entries = self && self.type !== 'd' ? [self] : folderEntries(db, h.repository, h.host.name, archive.seq, o.path);
    const dir = self && self.type !== 'd' ? o.path.slice(0, Math.max(0, o.path.lastIndexOf('/'))) : o.path;
    if (o.json) env.out(JSON.stringify(lsJson(h.host.name, archive.name, o.path, entries), null, 2));
    else env.out([`${archive.name}:${o.path === '' ? '/' : ` ${shownName(o.path)}`}`, formatListing(entries, dir)].filter((l) => l !== '').join('\n'));
    return 0;
  });
}

export const lsSpec: CommandSpec = {
  name: 'ls',
  summary: 'list one folder of an archive like ls -l (SOURCE/PATH; the sources when no path)',
  usage: 'pullback ls --host NAME [--archive NAME|latest] [--json] [SOURCE/PATH]',
  options: {
    host: browseOptions.host('listed'),
    archive: browseOptions.archive('the archive (default: the newest nightly one)'),
    json: browseOptions.json,
  },
  positionals: true,
  handler: (g, v, positionals) => {
    if (positionals.length > 1) throw new UsageError('ls takes one SOURCE/PATH at most');
    const path = (positionals[0] ?? '').replace(/\/+$/, '');
    const why = path === '' ? undefined : unsafeSelectedPath(path);
    if (why) throw new UsageError(`ls ${JSON.stringify(positionals[0])}: the path ${why}`);
    return lsCommand(g, { host: stringOption(v, 'host'), archive: stringOption(v, 'archive'), path, json: !!v.json });
  },
};
