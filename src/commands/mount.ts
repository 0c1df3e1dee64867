// `pullback mount --host H [--archive A] DIR`: the host's archives (or one) as a read-only filesystem
// (borg mount, in the background); `--unmount DIR` ends it.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { nightlyGlob } from '../tools/borg/flags.js';
import { listArchives } from '../tools/borg/list.js';
import { mountArchives, unmountArchives } from '../tools/borg/mount.js';
import { borgContext } from '../job/context.js';
import { UsageError } from '../errors.js';
import { browseOptions, chosenArchive, lookInto, stringOption } from './browse.js';
import { openEnv, type GlobalOptions } from './common.js';
import type { CommandSpec } from './spec.js';

/** Runs `pullback mount`; 0 once mounted (or unmounted). */
export async function mountCommand(g: GlobalOptions, o: { host?: string; archive?: string; dir: string; unmount: boolean }): Promise<number> {
  const dir = resolve(o.dir);
  if (o.unmount) {
    const env = openEnv(g, { repositories: true });
    try {
      await unmountArchives(borgContext({ global: env.config.global, logger: env.logger }), dir);
      env.out(`Unmounted ${dir}.`);
      return 0;
    } finally {
      env.close();
    }
  }
  if (!existsSync(dir) || !lstatSync(dir).isDirectory() || readdirSync(dir).length > 0) throw new UsageError(`mount ${dir}: give an empty folder that exists`);
  return lookInto(g, o.host, async (env, h) => {
    const archive = o.archive === undefined ? undefined : chosenArchive(await listArchives(h.borg, h.repository, nightlyGlob(h.host.name)), o.archive, h.host.name).name;
    await mountArchives(h.borg, h.repository, dir, archive ? { archive } : { glob: nightlyGlob(h.host.name) });
    env.out(`Mounted ${archive ?? `the archives of ${h.host.name} (one folder each)`} read-only at ${dir}; end it with: pullback mount --unmount ${dir}`);
    return 0;
  });
}

export const mountSpec: CommandSpec = {
  name: 'mount',
  summary: 'mount the archives of a host (or one) as a read-only filesystem (borg mount, FUSE); --unmount DIR ends it',
  usage: 'pullback mount --host NAME [--archive NAME] DIR\n       pullback mount --unmount DIR',
  options: {
    host: browseOptions.host('mounted'),
    archive: browseOptions.archive('mount only this archive (default: every nightly archive, one folder each)'),
    unmount: { type: 'boolean', description: 'unmount DIR' },
  },
  positionals: true,
  handler: (g, v, positionals) => {
    if (positionals.length !== 1) throw new UsageError('mount needs one DIR');
    if (!v.unmount && stringOption(v, 'host') === undefined) throw new UsageError('mount needs --host NAME (or --unmount DIR)');
    return mountCommand(g, { host: stringOption(v, 'host'), archive: stringOption(v, 'archive'), dir: positionals[0]!, unmount: !!v.unmount });
  },
};
