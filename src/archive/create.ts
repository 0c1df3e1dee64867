// Creating an archive of a prepared tree: the manifest written into it, the repository opened (or
// created on first use), `borg create`, and the catalog's record. Shared by nightly archives and
// pre-restore snapshots, so both have the same layout.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { utcStamp } from '../util/stamp.js';
import { createArchive, type CreateStats } from '../tools/borg/create.js';
import type { BorgContext } from '../tools/borg/run.js';
import type { BorgCreateProgress } from '../tools/borg/progress.js';
import { openRepo } from './repo-identity.js';
import { MANIFEST_DIR, MANIFEST_FILE, type Manifest } from './manifest.js';

/** `<host>-YYYYMMDDTHHMMSSZ` for the given time (UTC). */
export function archiveName(host: string, at: Date): string {
  return `${host}-${utcStamp(at)}`;
}

export interface ArchiveTreeOptions {
  repository: string;
  host: string;
  archive: string;
  at: Date;
  /** The directory archived: one folder per source, named after it. */
  dir: string;
  sourceNames: string[];
  manifest: Manifest;
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

export interface ArchiveResult {
  archive: string;
  repository: string;
  stats: CreateStats;
  manifest: Manifest;
}
