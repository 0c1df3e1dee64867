// `pullback list`: the archives in each host's repository (borg is the source of truth for which
// exist; sizes and file counts come from the catalog, else from `borg info`), with their kind.
import type { CommandSpec } from './spec.js';
import { borgContext, hostRepo } from '../job/context.js';
import { openRepo } from '../archive/repo-identity.js';
import { archiveStats } from '../tools/borg/info.js';
import { listArchiveHeaders, type ArchiveHeader } from '../tools/borg/list.js';
import { LIST_HEADER, listArchivesOf, listJson, listRows, type ArchiveFacts, type ListedArchive } from '../archive/listing.js';
import { renderTable } from '../util/table.js';
import { lostArchives, unresolvedVanished } from '../catalog/vanished.js';
import { hostOption, hostsOf, openEnv, selectHosts, type GlobalOptions } from './common.js';
import { recoveryWindows } from '../archive/recovery-windows.js';
import { WINDOW_HEADER, windowRows } from '../archive/recovery-window.js';

export interface ListOptions {
  hosts?: string[];
  json?: boolean;
}

/** Prints archives per host (name, time, kind, size, files), as a table or JSON; 0 on success. Throws ToolError when borg fails. */
export async function listCommand(g: GlobalOptions, opts: ListOptions): Promise<number> {
  const env = openEnv(g, { repositories: true });
  try {
    const hosts = selectHosts(env.config, opts.hosts);
    const out: Array<{ host: string; repository: string; archives: ListedArchive[] }> = [];
    for (const host of hosts) {
      const ctx = { global: env.config.global, host, logger: env.logger };
      const repository = hostRepo(ctx);
      const borg = borgContext(ctx);
      // A missing or swapped repository is an error (JobError), never an empty list.
      const there = await openRepo(borg, env.catalog, repository, host.name, 'read');
      // A repository may be shared by several hosts: show each host only its own archives.
      const headers = there === 'absent' ? [] : (await listArchiveHeaders(borg, repository, `${host.name}-*`)).filter((a) => belongsTo(a.name, host.name));
      const recorded = env.catalog.archiveRecords(repository);
      const missing = headers.filter((a) => recorded.get(a.name)?.nfiles == null).map((a) => a.name);
      const fromBorg = await archiveStats(borg, repository, missing, `${host.name}-*`);
      const facts = headers.map((a): ArchiveFacts => withStats(a, recorded.get(a.name), fromBorg.get(a.name)));
      // Archives the catalog recorded that borg no longer lists (issue 22): shown as lost, never silently left out.
      const gone = [...unresolvedVanished(env.catalog, repository, host.name), ...lostArchives(env.catalog, repository, host.name)];
      const listed = [...listArchivesOf(host.name, facts), ...gone.map((a): ListedArchive => ({ name: a.name, start: a.createdAt, kind: 'lost', size: a.size ?? null, files: a.files ?? null }))];
      out.push({ host: host.name, repository, archives: listed.sort((x, y) => (new Date(x.start).getTime() || 0) - (new Date(y.start).getTime() || 0)) });
    }
    // Point-in-time recovery: the points each PITR source can be restored to, besides its archives.
    const windows = recoveryWindows(env.config.global, hosts, env.catalog, new Date());
    if (opts.json) env.out(JSON.stringify(listJson(out, windows), null, 2));
    else {
      env.out(renderTable(LIST_HEADER, listRows(out)));
      if (windows.length > 0) env.out(`\nRecovery windows (restore --at any second between):\n${renderTable(WINDOW_HEADER, windowRows(windows))}`);
    }
    return 0;
  } finally {
    env.close();
  }
}

function withStats(
  a: ArchiveHeader,
  rec: { originalSize: number | null; nfiles: number | null; manifest: unknown } | undefined,
  borg: { originalSize: number; nfiles: number } | undefined,
): ArchiveFacts {
  const size = rec?.originalSize ?? borg?.originalSize;
  const files = rec?.nfiles ?? borg?.nfiles;
  return { name: a.name, start: a.start, comment: a.comment, manifest: rec?.manifest, size: size ?? undefined, files: files ?? undefined };
}

/** True for `<host>-<stamp>` and `<host>-pre-restore-<stamp>`, not for another host whose name starts with ours. */
export function belongsTo(archive: string, host: string): boolean {
  return new RegExp(`^${host.replace(/[.]/g, '\\.')}-(pre-restore-)?\\d{8}T\\d{6}Z$`).test(archive);
}

export const listSpec: CommandSpec = {
  name: 'list',
  summary: "list each host's archives",
  usage: 'pullback list [--host NAME]... [--json]',
  options: { ...hostOption, json: { type: 'boolean', description: 'print JSON (archive name, time, kind, size, file count) instead of a table' } },
  handler: (g, v) => listCommand(g, { hosts: hostsOf(v), json: !!v.json }),
};
