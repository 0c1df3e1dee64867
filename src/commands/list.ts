// `pullback list`: the archives in each host's repository (borg is the source of truth).
import { borgContext, hostRepo } from '../actions/context.js';
import { openRepo } from '../actions/repo-identity.js';
import { listArchives } from '../tools/borg/repo.js';
import { renderTable } from '../util/table.js';
import { openEnv, selectHosts, type GlobalOptions } from './common.js';

export interface ListOptions {
  hosts?: string[];
  json?: boolean;
}

/** Prints archives per host, as a table or JSON; 0 on success. Throws ToolError when borg fails. */
export async function listCommand(g: GlobalOptions, opts: ListOptions): Promise<number> {
  const env = openEnv(g);
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const out: Array<{ host: string; repository: string; archives: Array<{ name: string; start: string }> }> = [];
    for (const host of hosts) {
      const ctx = { global: env.config.global, host, logger: env.logger };
      const repository = hostRepo(ctx);
      // A repository may be shared by several hosts: show each host only its own archives.
      // A missing or swapped repository is an error (JobError), never an empty list.
      const there = await openRepo(borgContext(ctx), env.catalog, repository, host.name, 'read');
      const archives = there === 'absent' ? [] : (await listArchives(borgContext(ctx), repository, `${host.name}-*`)).filter((a) => belongsTo(a.name, host.name));
      out.push({ host: host.name, repository, archives: archives.map((a) => ({ name: a.name, start: a.start })) });
    }
    if (opts.json) {
      env.out(JSON.stringify({ hosts: out }, null, 2));
    } else {
      const rows = out.flatMap((h) => (h.archives.length ? h.archives.map((a) => [h.host, a.name, a.start]) : [[h.host, '(no archives)', '']]));
      env.out(renderTable(['HOST', 'ARCHIVE', 'CREATED'], rows));
    }
    return 0;
  } finally {
    env.close();
  }
}

/** True for `<host>-<stamp>` and `<host>-pre-restore-<stamp>`, not for another host whose name starts with ours. */
export function belongsTo(archive: string, host: string): boolean {
  return new RegExp(`^${host.replace(/[.]/g, '\\.')}-(pre-restore-)?\\d{8}T\\d{6}Z$`).test(archive);
}
