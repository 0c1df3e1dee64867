// Archive a host's mirror with borg create: each source under its own top-level folder plus
// .pullback/manifest.json describing the pull (and dumps) that produced it.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { utcStamp } from '../util/stamp.js';
import { createArchive, type CreateStats } from '../tools/borg/repo.js';
import type { BorgContext } from '../tools/borg/run.js';
import { borgContext, hostMirrorDir, hostRepo, type HostContext, type StepOutcome } from './context.js';
import type { DumpRecord } from './database.js';
import type { PullResult } from './pull.js';
import { openRepo } from './repo-identity.js';
import type { BorgCreateProgress } from '../tools/borg/progress.js';
import { humanBytes } from '../util/table.js';

export const MANIFEST_DIR = '.pullback';
export const MANIFEST_FILE = 'manifest.json';

export interface SourceManifest {
  name: string;
  kind: string;
  path: string;
  status: string;
  /** The rsync exclude patterns the pull applied: what the archive deliberately does not hold (a restore never deletes it). */
  exclude?: string[];
  pull?: PullResult;
  dumps?: DumpRecord[];
  /** A source that failed tonight (status `kept`: archived with its last good state; `failed`: not in the archive). */
  failed?: { step: string; error: string; keptFrom?: string };
}

export interface Manifest {
  format: 1;
  host: string;
  archive: string;
  createdAt: string;
  sources: SourceManifest[];
  /** Set on a partial archive: a source failed tonight (see each source's `failed`). */
  partial?: { comment: string };
}

/** `<host>-YYYYMMDDTHHMMSSZ` for the given time (UTC). */
export function archiveName(host: string, at: Date): string {
  return `${host}-${utcStamp(at)}`;
}

export interface ArchiveResult {
  archive: string;
  repository: string;
  stats: CreateStats;
  manifest: Manifest;
}

export interface ArchiveTreeOptions {
  repository: string;
  host: string;
  archive: string;
  at: Date;
  /** The directory archived: one folder per source, named after it. */
  dir: string;
  sourceNames: string[];
  manifest: unknown;
  compression: string;
  runId?: number;
  /** Archive comment (partial archives say so). */
  comment?: string;
  /** borg create's progress (asks borg for it). */
  onProgress?: (p: BorgCreateProgress) => void;
}

/**
 * Writes `manifest` to `<dir>/.pullback/manifest.json` (atomically), opens the repository (created
 * only on a first use; JobError when it is missing or not the recorded one), creates the archive of the sources plus the manifest, and records it in the catalog.
 * Shared by nightly archives and pre-restore snapshots, so both have the same layout. Throws ToolError.
 */
export async function archiveTree(borg: BorgContext, catalog: Catalog, o: ArchiveTreeOptions): Promise<CreateStats> {
  const mdir = join(o.dir, MANIFEST_DIR);
  mkdirSync(mdir, { recursive: true });
  const tmp = join(mdir, `.${MANIFEST_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(o.manifest, null, 2)}\n`);
  renameSync(tmp, join(mdir, MANIFEST_FILE));

  // Created only on the first archive the catalog has ever seen of it; a missing or different one throws.
  await openRepo(borg, catalog, o.repository, o.host, 'archive');
  // The first archive pullback makes in a repository reads every file (borg's files cache for it is empty).
  const listRead = catalog.hasArchives(o.repository);
  const stats = await createArchive(
    borg,
    { repo: o.repository, archive: o.archive, compression: o.compression, comment: o.comment, paths: [...o.sourceNames, join(MANIFEST_DIR, MANIFEST_FILE)], listRead },
    o.dir,
    o.onProgress,
  );
  catalog.recordArchive({
    repository: o.repository,
    host: o.host,
    name: o.archive,
    runId: o.runId,
    createdAt: o.at.toISOString(),
    originalSize: stats.originalSize,
    compressedSize: stats.compressedSize,
    deduplicatedSize: stats.deduplicatedSize,
    nfiles: stats.nfiles,
    manifest: o.manifest,
  });
  return stats;
}

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
