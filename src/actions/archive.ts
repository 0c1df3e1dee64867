// Archive a host's mirror with borg create: each source under its own top-level folder plus
// .pullback/manifest.json describing the pull (and dumps) that produced it.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createArchive, ensureRepo, type CreateStats } from '../tools/borg/repo.js';
import { borgContext, hostMirrorDir, hostRepo, type HostContext, type StepOutcome } from './context.js';
import type { DumpRecord } from './database.js';
import type { PullResult } from './pull.js';

export const MANIFEST_DIR = '.pullback';
export const MANIFEST_FILE = 'manifest.json';

export interface SourceManifest {
  name: string;
  kind: string;
  path: string;
  status: string;
  pull?: PullResult;
  dumps?: DumpRecord[];
}

export interface Manifest {
  format: 1;
  host: string;
  archive: string;
  createdAt: string;
  sources: SourceManifest[];
}

/** `<host>-YYYYMMDDTHHMMSSZ` for the given time (UTC). */
export function archiveName(host: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${host}-${stamp}`;
}

export interface ArchiveResult {
  archive: string;
  repository: string;
  stats: CreateStats;
  manifest: Manifest;
}

/** Writes the manifest into the mirror and creates the archive; throws ToolError when borg fails. */
export async function archiveHost(ctx: HostContext, sources: SourceManifest[], at = new Date()): Promise<StepOutcome<ArchiveResult>> {
  const repo = hostRepo(ctx);
  const borg = borgContext(ctx);
  const mirror = hostMirrorDir(ctx.global, ctx.host.name);
  const archive = archiveName(ctx.host.name, at);
  const manifest: Manifest = { format: 1, host: ctx.host.name, archive, createdAt: at.toISOString(), sources };

  const dir = join(mirror, MANIFEST_DIR);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${MANIFEST_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(dir, MANIFEST_FILE));

  if (await ensureRepo(borg, repo)) ctx.logger.info({ repository: repo, encryption: ctx.global.repository.encryption }, 'initialised borg repository');
  const stats = await createArchive(
    borg,
    {
      repo,
      archive,
      compression: ctx.global.repository.compression,
      paths: [...ctx.host.sources.map((s) => s.name), join(MANIFEST_DIR, MANIFEST_FILE)],
    },
    mirror,
  );
  ctx.catalog.recordArchive({
    repository: repo,
    host: ctx.host.name,
    name: archive,
    runId: ctx.runId,
    createdAt: at.toISOString(),
    originalSize: stats.originalSize,
    compressedSize: stats.compressedSize,
    deduplicatedSize: stats.deduplicatedSize,
    nfiles: stats.nfiles,
    manifest,
  });
  const value = { archive, repository: repo, stats, manifest };
  return {
    status: stats.warning ? 'warning' : 'ok',
    error: stats.warning,
    bytes: stats.originalSize,
    files: stats.nfiles,
    details: { archive, repository: repo, stats },
    value,
  };
}
