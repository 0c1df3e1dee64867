// What a restore reads from the repository before it plans: which archive, its manifest
// (.pullback/manifest.json extracted into a temp dir) and its per-source file counts and bytes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobError, UsageError } from '../errors.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { extractArchive } from '../tools/borg/extract.js';
import { listItemSizes, type ItemSize } from '../tools/borg/list-items.js';
import { listArchives, type ArchiveSummary } from '../tools/borg/list.js';
import type { BorgContext } from '../tools/borg/run.js';
import { stampTime } from '../util/stamp.js';
import { MANIFEST_DIR, MANIFEST_FILE, parseManifest, type Manifest } from './manifest.js';

/** Regular files under a source folder of the archive (hard links counted per path) and their bytes. */
export interface SourceFigures {
  files: number;
  bytes: number;
}

/**
 * The archive to restore with borg's start time: `latest` (or undefined) is the newest nightly
 * archive of `host`; a name must exist. Throws UsageError, naming the newest nightly archives.
 */
export async function resolveArchive(borg: BorgContext, repo: string, host: string, wanted: string | undefined): Promise<ArchiveSummary> {
  const nightly = await listArchives(borg, repo, nightlyGlob(host));
  if (wanted === undefined || wanted === 'latest') {
    const last = nightly.at(-1);
    if (!last) throw new UsageError(`host ${host} has no archives in ${repo}`);
    return last;
  }
  const found = nightly.find((a) => a.name === wanted) ?? (await listArchives(borg, repo)).find((a) => a.name === wanted);
  if (!found) throw new UsageError(missingArchiveMessage(wanted, repo, host, nightly.map((a) => a.name)));
  return found;
}

/**
 * The newest nightly archive of `host` made before `before` (by the UTC time in its name: borg's
 * start times carry no zone); throws UsageError naming the oldest one when none is that old.
 */
export async function archiveBefore(borg: BorgContext, repo: string, host: string, before: Date): Promise<ArchiveSummary> {
  const nightly = await listArchives(borg, repo, nightlyGlob(host));
  const older = nightly.filter((a) => (stampTime(a.name)?.getTime() ?? Infinity) < before.getTime());
  const found = older.at(-1);
  if (!found) {
    const oldest = nightly[0];
    throw new UsageError(`host ${host} has no archive made before ${before.toISOString()}${oldest ? ` (the oldest kept is ${oldest.name})` : ''}`);
  }
  return found;
}

const LISTED = 5;

/** The error for an unknown --archive: the newest nightly archives first (snapshots would crowd them out). */
export function missingArchiveMessage(wanted: string, repo: string, host: string, nightlyOldestFirst: readonly string[]): string {
  if (nightlyOldestFirst.length === 0) return `no archive named ${wanted} in ${repo}, and host ${host} has no nightly archives there`;
  const newest = [...nightlyOldestFirst].reverse();
  const more = newest.length > LISTED ? `, and ${newest.length - LISTED} older (pullback list --host ${host})` : '';
  return `no archive named ${wanted} in ${repo}; the newest nightly archives of ${host}: ${newest.slice(0, LISTED).join(', ')}${more}`;
}

/** The manifest of `archive`; throws JobError when the archive has none, or it is not a manifest of a format this pullback reads. */
export async function readManifest(borg: BorgContext, repo: string, archive: string, scratchParent: string): Promise<Manifest> {
  const dir = mkdtempSync(join(scratchParent, 'manifest-'));
  const rel = `${MANIFEST_DIR}/${MANIFEST_FILE}`;
  try {
    await extractArchive(borg, repo, archive, dir, { exact: [rel] });
    let text: string;
    try {
      text = readFileSync(join(dir, rel), 'utf8');
    } catch (e) {
      throw new JobError(`archive ${archive} has no readable ${rel}: ${(e as Error).message}`);
    }
    return parseManifest(text, `archive ${archive}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Regular files and bytes under each top-level folder of `archive`, counted the way `find -type f`
 * counts them on the target: every hard-linked path once, with the size of its file. With
 * `archived`, every item's path (files, folders, links) under each top-level folder is also added
 * to that folder's set, relative to it: what the deletion preview compares the target with (one
 * walk of the archive's items for both). With `broken`, the path of every item borg marks broken
 * (all-zero replacement chunks, after `borg check --repair`) is pushed to it. `onItem` sees every
 * item of the same walk (a granular restore's selection is looked up in it).
 */
export async function archiveFigures(
  borg: BorgContext,
  repo: string,
  archive: string,
  archived?: Map<string, Set<string>>,
  broken?: string[],
  onItem?: (item: ItemSize) => void,
): Promise<Record<string, SourceFigures>> {
  const out: Record<string, SourceFigures> = {};
  const sizes = new Map<string, number>();
  await listItemSizes(borg, repo, archive, (item) => {
    onItem?.(item);
    if (item.broken) broken?.push(item.path);
    const slash = item.path.indexOf('/');
    const top = slash < 0 ? item.path : item.path.slice(0, slash);
    if (top === MANIFEST_DIR) return;
    if (archived && slash > 0) {
      let set = archived.get(top);
      if (!set) archived.set(top, (set = new Set()));
      set.add(item.path.slice(slash + 1));
    }
    if (item.type !== '-') return;
    // borg 1.2 lists the second and later paths of a hard link with mode "h..." and size 0.
    const hardlink = item.mode.startsWith('h') && item.linktarget;
    const size = hardlink ? (sizes.get(item.linktarget!) ?? 0) : item.size;
    if (!hardlink) sizes.set(item.path, item.size);
    const f = (out[top] ??= { files: 0, bytes: 0 });
    f.files++;
    f.bytes += size;
  });
  return out;
}
