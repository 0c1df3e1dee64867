// What the commands that look into a host's archives share (find, ls, diff, mount): the host's
// repository opened for reading (missing or swapped: an error, never an empty answer), and its
// file index brought up to date (each archive it lacks listed once, said on stderr).
import type { Logger } from 'pino';
import { refreshIndex, type IndexState } from '../archive/file-index.js';
import { openRepo } from '../archive/repo-identity.js';
import { repositoryPath, type HostConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { assertPreflight } from '../job/preflight.js';
import { borgContext } from '../job/context.js';
import type { BorgContext } from '../tools/borg/run.js';
import { interruptSignal, openEnv, selectHosts, type CommandEnv, type GlobalOptions } from './common.js';
import type { OptionDef, Values } from './spec.js';

export interface OpenedHost {
  host: HostConfig;
  repository: string;
  borg: BorgContext;
}

/** The host named by --host with its repository opened for reading; throws UsageError, JobError. */
export async function openHostRepo(env: CommandEnv, name: string | undefined, signal?: AbortSignal): Promise<OpenedHost> {
  if (!name) throw new UsageError('needs --host NAME');
  const [host] = selectHosts(env.config, [name]);
  assertPreflight(env.config.global, { borg: true, ssh: false });
  const repository = repositoryPath(env.config.global, host!.name);
  const borg = borgContext({ global: env.config.global, logger: env.logger, signal });
  const there = await openRepo(borg, env.catalog, repository, host!.name, 'read');
  if (there === 'absent') throw new UsageError(`host ${host!.name} has no repository yet (${repository}): nothing to look into`);
  return { host: host!, repository, borg };
}

/**
 * Runs `look` over the host named by --host with its repository opened for reading, inside the
 * command's environment (closed after, also on a throw); returns its exit code.
 */
export async function lookInto(g: GlobalOptions, host: string | undefined, look: (env: CommandEnv, h: OpenedHost) => Promise<number>): Promise<number> {
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  try {
    return await look(env, await openHostRepo(env, host, interrupt.signal));
  } finally {
    interrupt.dispose();
    env.close();
  }
}

/** The options these commands share, each described for what it does there. */
export const browseOptions = {
  host: (what: string): OptionDef => ({ type: 'string', short: 'H', value: 'NAME', description: `the host whose archives are ${what}` }),
  archive: (description: string): OptionDef => ({ type: 'string', value: 'NAME', description }),
  json: { type: 'boolean', description: 'print JSON' } as OptionDef,
};

/** A string option's value, or undefined. */
export function stringOption(v: Values, name: string): string | undefined {
  return typeof v[name] === 'string' ? (v[name] as string) : undefined;
}

/** The host's file index, brought up to date (a first use lists every archive once: said on stderr). */
export async function upToDateIndex(env: CommandEnv, h: OpenedHost, logger: Logger = env.logger): Promise<IndexState> {
  const started = Date.now();
  const state = await refreshIndex(h.borg, env.catalog, h.repository, h.host.name, (archive, n, of) => logger.info(`indexing the files of ${archive} (${n} of ${of}): once per archive`));
  if (state.added.length) logger.info({ archives: state.added.length, ms: Date.now() - started }, `file index of ${h.host.name} up to date (${state.added.length} archive(s) added in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return state;
}

/** The archive named by --archive (default: the newest kept) among the indexed ones; throws UsageError naming the newest. */
export function chosenArchive<T extends { name: string }>(archives: readonly T[], wanted: string | undefined, host: string): T {
  const found = wanted === undefined || wanted === 'latest' ? archives.at(-1) : archives.find((a) => a.name === wanted);
  if (found) return found;
  if (archives.length === 0) throw new UsageError(`host ${host} has no nightly archives`);
  const newest = archives.slice(-5).reverse().map((a) => a.name).join(', ');
  throw new UsageError(`no nightly archive named ${wanted} of host ${host} (the newest: ${newest}; pullback list --host ${host})`);
}
