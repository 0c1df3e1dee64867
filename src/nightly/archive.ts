// Archive a host's mirror with borg create: each source under its own top-level folder plus
// .pullback/manifest.json describing the pull (and dumps) that produced it.
import { borgContext, hostMirrorDir, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import type { Manifest, SourceManifest } from '../archive/manifest.js';
import type { BorgCreateProgress } from '../tools/borg/progress.js';
import { archiveName, archiveTree, type ArchiveResult } from '../archive/create.js';
import { counted, humanBytes } from '../util/table.js';
import { ToolError } from '../errors.js';
import { freeUncommitted } from './disk-preflight.js';


/**
 * Writes the manifest into the mirror and creates the archive of the sources whose folders it
 * holds (`included`; default every source), partial when `partial` says why; throws ToolError.
 */
export async function archiveHost(
  ctx: HostContext,
  sources: SourceManifest[],
  at = new Date(),
  opts: { included?: string[]; partial?: string; keepLeftovers?: string; extraPaths?: string[] } = {},
): Promise<StepOutcome<ArchiveResult>> {
  const repo = hostRepo(ctx);
  const archive = archiveName(ctx.host.name, at);
  const manifest: Manifest = { format: 1, host: ctx.host.name, archive, createdAt: at.toISOString(), sources, ...(opts.partial ? { partial: { comment: opts.partial } } : {}) };
  const bar = ctx.progress?.enabled ? ctx.progress.task(`archive ${ctx.host.name}`) : undefined;
  // borg cannot know the total in advance: the mirror's size from this night's pulls stands in.
  const total = sources.reduce((n, s) => n + (s.pull?.stats?.totalSize ?? 0), 0);
  const onProgress = bar && ((p: BorgCreateProgress) => bar.update(p.originalSize, total, `${counted(p.nfiles, 'file')}, ${humanBytes(p.originalSize)} read, ${humanBytes(p.deduplicatedSize)} new`));
  const included = opts.included ?? ctx.host.sources.map((s) => s.name);
  // The manifest is rewritten in the mirror: it equals no archive until this one is made.
  ctx.catalog.forgetMirrorArchive(ctx.host.name);
  const stats = await archiveTree(borgContext(ctx), ctx.catalog, {
    repository: repo,
    host: ctx.host.name,
    archive,
    at,
    dir: hostMirrorDir(ctx.global, ctx.host.name),
    sourceNames: [...included, ...(opts.extraPaths ?? [])],
    manifest,
    compression: ctx.global.repository.compression,
    runId: ctx.runId,
    comment: opts.partial,
    onProgress,
  })
    .catch((e: unknown) => freeWhatFailedLeft(ctx, repo, e, opts.keepLeftovers))
    .finally(() => bar?.done());
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

/**
 * After a failed borg create: the segments it wrote but never committed (a full disk leaves them,
 * filling it) are removed now with borg compact, so the failure's message can say what the
 * repository holds, measured; rethrows `e` with that said. With `keep` (why: the repository went
 * back in time, and what lies above its last commit is the lost transaction's), nothing is removed.
 * Never returns.
 */
async function freeWhatFailedLeft(ctx: HostContext, repo: string, e: unknown, keep?: string): Promise<never> {
  if (!(e instanceof ToolError)) throw e;
  if (keep) {
    ctx.logger.info({ step: 'archive', repository: repo }, `not compacted after the failed archive: ${keep}`);
    throw e;
  }
  const left = await freeUncommitted(borgContext(ctx), repo);
  if (left.before.segments === 0) {
    if (!/no space left on device/.test(e.message)) throw e;
    throw new ToolError(`${e.message}. After the failure, no uncommitted data of it was left in ${repo} (measured): the repository is as it was before this archive and needs no repair`, e.details);
  }
  const wrote = `its ${humanBytes(left.before.bytes)} of uncommitted data (${left.before.segments} segment file(s) in ${repo}/data)`;
  const said =
    left.after.segments === 0
      ? `${wrote} were removed with borg compact: the repository is as it was before this archive, consistent, and needs no repair`
      : `${wrote} could not be removed${left.error ? ` (borg compact: ${left.error})` : ''}: ${humanBytes(left.after.bytes)} still take space there; the next pullback run removes them before anything else, or now: borg compact ${repo}`;
  ctx.logger.warn({ step: 'archive', repository: repo, before: left.before, after: left.after, compactError: left.error }, said);
  throw new ToolError(`${e.message}. After the failure, ${said}`, e.details);
}
