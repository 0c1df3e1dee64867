// `pullback init [--host NAME]...`: the one deliberate way to create a host's borg repository (or to
// accept the repository now at its path as the one to use). `pullback run` creates a repository
// only for a host the catalog has never archived; afterwards a missing or different one fails.
import { borgContext } from '../job/context.js';
import { initRepo, type InitOutcome } from '../archive/repo-identity.js';
import type { CommandSpec } from './spec.js';
import { repositoryPath } from '../config/types.js';
import { describeError } from '../errors.js';
import { renderTable } from '../util/table.js';
import { openEnv, selectHosts, type GlobalOptions } from './common.js';

export interface InitOptions {
  hosts?: string[];
}

const SAID: Record<InitOutcome['action'], (o: InitOutcome) => string> = {
  created: (o) => `created (borg id ${o.id.slice(0, 16)}…)${o.previousId ? `; replaces the recorded ${o.previousId.slice(0, 16)}…` : ''}`,
  recorded: (o) => `already a repository: recorded its borg id ${o.id.slice(0, 16)}…`,
  unchanged: (o) => `already initialised (borg id ${o.id.slice(0, 16)}…)`,
  adopted: (o) => `adopted: borg id ${o.id.slice(0, 16)}… replaces the recorded ${o.previousId!.slice(0, 16)}…`,
  recreated: (o) => `created again (borg id ${o.id.slice(0, 16)}…): an earlier borg init never finished; the half-made repository was moved aside to ${o.movedAside}`,
};

/** Creates (or records) each selected host's repository once per path; 1 when any failed. */
export async function initCommand(g: GlobalOptions, opts: InitOptions): Promise<number> {
  const env = openEnv(g, { repositories: true });
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const runId = env.catalog.startRun('init', { hosts: hosts.map((h) => h.name) });
    const borg = borgContext({ global: env.config.global, logger: env.logger.child({ runId }) });
    const done = new Map<string, string>();
    const rows: string[][] = [];
    let failed = false;
    for (const host of hosts) {
      const repo = repositoryPath(env.config.global, host.name);
      let said = done.get(repo);
      if (said === undefined) {
        try {
          const out = await initRepo(borg, env.catalog, repo, host.name);
          said = SAID[out.action](out);
          env.logger.info({ host: host.name, repository: repo, action: out.action, id: out.id, previousId: out.previousId }, `init: ${said}`);
        } catch (e) {
          failed = true;
          said = `FAILED: ${describeError(e)}`;
          env.logger.error({ host: host.name, repository: repo, err: e }, 'init failed');
        }
        done.set(repo, said);
      } else {
        said = `shared: ${said}`;
      }
      rows.push([host.name, repo, said]);
    }
    env.catalog.finishRun(runId, failed ? 'failed' : 'ok');
    env.out(renderTable(['HOST', 'REPOSITORY', 'RESULT'], rows));
    return failed ? 1 : 0;
  } finally {
    env.close();
  }
}

export const initSpec: CommandSpec = {
  name: 'init',
  summary: "create each host's borg repository deliberately (or accept the one now at its path)",
  usage: 'pullback init [--host NAME]...',
  options: {
    host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
  },
  handler: (g, v) => initCommand(g, { hosts: v.host as string[] | undefined }),
};
