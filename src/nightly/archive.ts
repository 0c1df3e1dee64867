// Archive a host's mirror with borg create: each source under its own top-level folder plus
// .pullback/manifest.json describing the pull (and dumps) that produced it.
import { borgContext, hostMirrorDir, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import type { Manifest, SourceManifest } from '../archive/manifest.js';
import type { BorgCreateProgress } from '../tools/borg/progress.js';
import { archiveName, archiveTree, type ArchiveResult } from '../archive/create.js';
import { humanBytes } from '../util/table.js';


/**
 * Writes the manifest into the mirror and creates the archive of the sources whose folders it
 * holds (`included`; default every source), partial when `partial` says why; throws ToolError.
 */
export async function archiveHost(
  ctx: HostContext,
  sources: SourceManifest[],
  at = new Date(),
  opts: { included?: string[]; partial?: string } = {},
): Promise<StepOutcome<ArchiveResult>> {
  const repo = hostRepo(ctx);
  const archive = archiveName(ctx.host.name, at);
  const manifest: Manifest = { format: 1, host: ctx.host.name, archive, createdAt: at.toISOString(), sources, ...(opts.partial ? { partial: { comment: opts.partial } } : {}) };
  const bar = ctx.progress?.enabled ? ctx.progress.task(`archive ${ctx.host.name}`) : undefined;
  // borg cannot know the total in advance: the mirror's size from this night's pulls stands in.
  const total = sources.reduce((n, s) => n + (s.pull?.stats?.totalSize ?? 0), 0);
  const onProgress = bar && ((p: BorgCreateProgress) => bar.update(p.originalSize, total, `${p.nfiles} files, ${humanBytes(p.originalSize)} read, ${humanBytes(p.deduplicatedSize)} new`));
  const included = opts.included ?? ctx.host.sources.map((s) => s.name);
  // The manifest is rewritten in the mirror: it equals no archive until this one is made.
  ctx.catalog.forgetMirrorArchive(ctx.host.name);
  const stats = await archiveTree(borgContext(ctx), ctx.catalog, {
    repository: repo,
    host: ctx.host.name,
    archive,
    at,
    dir: hostMirrorDir(ctx.global, ctx.host.name),
    sourceNames: included,
    manifest,
    compression: ctx.global.repository.compression,
    runId: ctx.runId,
    comment: opts.partial,
    onProgress,
  }).finally(() => bar?.done());
  if (stats.read?.counted === false) {
    ctx.logger.info({ step: 'archive', archive, read: stats.read, nfiles: stats.nfiles }, `the first archive in this repository: borg read all ${stats.nfiles} files (its files cache was empty)`);
  } else if (stats.read) {
    const { added, modified } = stats.read;
    ctx.logger.info({ step: 'archive', archive, read: stats.read, nfiles: stats.nfiles }, `borg read ${added} new and ${modified} changed files of ${stats.nfiles}; the other ${Math.max(0, stats.nfiles - added - modified)} were unchanged (files cache) and not read`);
  }
  // borg archived every file of these folders as the mirror holds them (a warning may mean a file it
  // could not read): a drill of this archive may choose its sample from the mirror until the next write.
  if (!stats.warning) ctx.catalog.recordMirrorArchive(ctx.host.name, repo, archive, included);
  const value = { archive, repository: repo, stats, manifest };
  return {
    status: stats.warning || opts.partial ? 'warning' : 'ok',
    error: [opts.partial && `partial archive ${archive}: ${opts.partial.replace(/^partial: /, '')}`, stats.warning].filter(Boolean).join('; ') || undefined,
    bytes: stats.originalSize,
    files: stats.nfiles,
    details: { archive, repository: repo, stats, ...(opts.partial ? { partial: opts.partial } : {}) },
    value,
  };
}
