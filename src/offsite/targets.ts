// How pullback reaches each off-site target: the borg context of a borg target (its own BORG_RSH,
// passphrase and borg state dir), and what the local repository looks like before it is synced.
import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BorgTarget, GlobalConfig, OffsiteTarget, RepositoryConfig } from '../config/types.js';
import { offsiteLocation } from '../config/types-offsite.js';
import { UsageError } from '../errors.js';
import type { BorgContext } from '../tools/borg/run.js';
import { buildSshBaseArgv } from '../tools/ssh/options.js';
import { shellQuote } from '../tools/ssh/quote.js';
import type { LocalRepoFacts } from './decide.js';

/** `<state_dir>/offsite/<target>`: borg state and fetched copies of one target, apart from the local repositories'. */
export function offsiteStateDir(global: GlobalConfig, target: OffsiteTarget): string {
  return join(global.stateDir, 'offsite', target.name);
}

/** The target named `name`; UsageError naming the configured ones. */
export function findTarget(global: GlobalConfig, name: string): OffsiteTarget {
  const t = global.offsite.find((x) => x.name === name);
  if (!t) throw new UsageError(`no off-site target '${name}' in ${global.file} (configured: ${global.offsite.map((x) => x.name).join(', ') || 'none'})`);
  return t;
}

/** The repository config of a borg target's copy of `host`: its URL, passphrase, BORG_RSH and borg state. */
export function borgTargetRepository(global: GlobalConfig, target: BorgTarget, host: string): RepositoryConfig {
  const rsh = buildSshBaseArgv({ identityFile: target.identityFile, knownHosts: target.knownHosts, connectTimeoutSeconds: global.ssh.connectTimeoutSeconds });
  return {
    pathTemplate: offsiteLocation(target, host),
    encryption: global.repository.encryption,
    ...(target.passphraseFile ? { passphraseFile: target.passphraseFile } : {}),
    compression: global.repository.compression,
    borgBaseDir: join(offsiteStateDir(global, target), 'borg'),
    rsh: rsh.map(shellQuote).join(' '),
  };
}

export function borgTargetContext(global: GlobalConfig, target: BorgTarget, host: string, logger?: Logger, signal?: AbortSignal): BorgContext {
  return { repository: borgTargetRepository(global, target, host), stateDir: global.stateDir, logger, signal };
}

const LOCK_FILES = new Set(['lock.exclusive', 'lock.roster']);

/** The local repository's size and file count (borg's lock files left out); absent: no borg config there. */
export function localRepoFacts(repo: string): LocalRepoFacts {
  let bytes = 0;
  let files = 0;
  let present = false;
  const walk = (dir: string, top: boolean) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (top && LOCK_FILES.has(name)) continue;
      const st = lstatSync(join(dir, name));
      if (st.isDirectory()) walk(join(dir, name), false);
      else {
        if (top && name === 'config') present = true;
        bytes += st.size;
        files++;
      }
    }
  };
  walk(repo, true);
  return { present, bytes, files };
}
