// pullback key export NAME FILE | --all DIR: the repository keys, for escrow. A repokey repository
// keeps its key inside the repository, encrypted with the passphrase: a copy of both, kept apart
// from the backup host, is what makes the archives readable when that host (or the repository's
// config) is lost.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { borgContext } from '../job/context.js';
import { exportKeyToFile, type KeyExported } from '../keys/export.js';
import { repositoryPath, type HostConfig } from '../config/types.js';
import { describeError, UsageError } from '../errors.js';
import { openEnv, selectHosts, type CommandEnv, type GlobalOptions } from './common.js';
import { commandGroup, type Subcommand } from './group.js';

const USAGE = 'pullback key export NAME FILE | pullback key export --all DIR';

/** Exports each wanted repository's key; 0 when every one was written, 1 when one failed. */
export async function keyExportCommand(g: GlobalOptions, o: { name?: string; file?: string; allDir?: string }): Promise<number> {
  const env = openEnv(g, { repositories: true });
  try {
    const targets = planTargets(env, o);
    if (o.allDir) mkdirSync(o.allDir, { recursive: true, mode: 0o700 });
    const borg = borgContext({ global: env.config.global, logger: env.logger });
    let failed = false;
    for (const t of targets) {
      try {
        const done = await exportKeyToFile(borg, env.catalog, t.repo, t.host.name, t.file);
        env.logger.info({ host: t.host.name, repository: t.repo, file: t.file }, `exported the key of ${t.repo}`);
        env.out(said(done, t.host));
      } catch (e) {
        if (!o.allDir) throw e;
        failed = true;
        env.out(`${t.host.name}: not exported: ${describeError(e)}`);
      }
    }
    const pass = env.config.global.repository.passphraseFile;
    env.out(
      `The key is useless without the passphrase${pass ? ` (in ${pass})` : ''}, and the passphrase is useless without the key: keep both off this backup host ` +
        '(the key in escrow, the passphrase in a password manager or a safe), or losing this host loses every archive. ' +
        'To use an exported key: borg key import REPOSITORY FILE.',
    );
    return failed ? 1 : 0;
  } finally {
    env.close();
  }
}

/** One file per repository: NAME's into FILE, or with --all each repository's into DIR/<first host>.borg-key. */
function planTargets(env: CommandEnv, o: { name?: string; file?: string; allDir?: string }): Array<{ host: HostConfig; repo: string; file: string }> {
  if (o.allDir) {
    const seen = new Set<string>();
    const out = [];
    for (const host of env.config.hosts) {
      const repo = repositoryPath(env.config.global, host.name);
      if (seen.has(repo)) continue; // a shared repository has one key
      seen.add(repo);
      out.push({ host, repo, file: join(resolve(o.allDir), `${host.name}.borg-key`) });
    }
    return out;
  }
  const [host] = selectHosts(env.config, [o.name!]);
  return [{ host: host!, repo: repositoryPath(env.config.global, host!.name), file: resolve(o.file!) }];
}

function said(d: KeyExported, host: HostConfig): string {
  return `Wrote the key of ${d.repository} (host ${host.name}, repository id ${d.repoId.slice(0, 16)}…) to ${d.file} (mode 600, ${d.bytes} bytes).`;
}

const exportSubcommand: Subcommand = {
  name: 'export',
  usage: USAGE,
  summary: "write a repository's borg key to a new file (mode 600) for escrow",
  options: {
    all: { type: 'string', value: 'DIR', description: 'export the key of every repository into DIR (created 0700), one NAME.borg-key file each' },
  },
  run: async (g, v, args) => {
    const allDir = v.all as string | undefined;
    if (allDir !== undefined ? args.length !== 0 : args.length !== 2) throw new UsageError(`usage: ${USAGE}`);
    return keyExportCommand(g, allDir !== undefined ? { allDir } : { name: args[0], file: args[1] });
  },
};

export const keySpec = commandGroup('key', 'repository keys: export writes a repository key to a file for escrow (keep it, and the passphrase, off the backup host)', [exportSubcommand]);
