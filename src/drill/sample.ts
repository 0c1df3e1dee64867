// Which files (and databases) a drill samples, and where they are chosen: a seeded random sample of
// the archive's regular files, plus every database dump the archive's manifest lists (dumps are
// always drilled, whatever the sample size). First the decisions, pure: the request and the sample's
// size, what is a candidate, which paths are dumps, when the mirror may stand in for the archive,
// whether a sample chosen from a record or the mirror held, which dumps go into scratch databases.
// Then the drill's 'sample' row (chooseSample) that carries them out over borg's listing or the
// mirror, and the check after the extraction (sampleHolds) that chooses again when a shortcut failed.
import { lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { MANIFEST_DIR, MANIFEST_FILE, parseManifest, type Manifest } from '../archive/manifest.js';
import { hostMirrorDir } from '../job/context.js';
import type { ItemPath } from '../tools/borg/list-items.js';
import { both } from '../util/pool.js';
import { listArchiveItems, readArchiveManifest, readManifestFile, type HashListing } from './archive-files.js';
import type { RestoredDump } from './databases.js';
import { UnnamedEntry, walkMirror } from './mirror-files.js';
import { archivedMtimeSeconds } from './origin.js';
import { ReservoirSample } from './reservoir.js';
import type { DrillRun, SampledDump, SampleRequest, Target } from './state.js';
import type { FileResult } from './verdict.js';

/** Top-level folder of the archive that holds pullback's own files (the manifest). */
export const INTERNAL_DIR = '.pullback';
/** The archive's manifest, by its path in the archive. */
export const MANIFEST_PATH = `${MANIFEST_DIR}/${MANIFEST_FILE}`;

/** Validates --sample / --percent (exclusive; N >= 1, 0 < P <= 100); throws UsageError. */
export function parseSampleRequest(sample: string | undefined, percent: string | undefined): SampleRequest {
  if (sample !== undefined && percent !== undefined) throw new UsageError('use either --sample or --percent, not both');
  if (sample !== undefined) {
    if (!/^\d+$/.test(sample) || Number(sample) < 1) throw new UsageError(`--sample needs a whole number of files >= 1, not '${sample}'`);
    return { sample: Number(sample) };
  }
  if (percent !== undefined) {
    const p = Number(percent);
    if (!/^\d+(\.\d+)?$/.test(percent) || p <= 0 || p > 100) throw new UsageError(`--percent needs a number in (0, 100], not '${percent}'`);
    return { percent: p };
  }
  return {};
}

/** How many of `total` candidates to sample: the request, else `defaultSample`; never more than `total`. */
export function sampleSize(total: number, req: SampleRequest, defaultSample: number): number {
  if (total === 0) return 0;
  if (req.percent !== undefined) return Math.min(total, Math.max(1, Math.ceil((total * req.percent) / 100)));
  return Math.min(total, req.sample ?? defaultSample);
}

/** The sample's size when it is a number of files; undefined for a percentage, which needs the number of candidates first (one more metadata listing, counting only). */
export function fixedSampleSize(req: SampleRequest, defaultSample: number): number | undefined {
  return req.percent === undefined ? (req.sample ?? defaultSample) : undefined;
}

/**
 * Whether an archive item may be sampled: a regular file outside pullback's own folder and not a
 * dump. borg 1.2 lists the further names of a hard-linked file as type '-' with mode 'h...' and no
 * content of their own; only the name holding the content is a candidate.
 */
export function isSampleCandidate(item: { type: string; path: string; mode?: string }, dumps: ReadonlySet<string>): boolean {
  return item.type === '-' && !item.mode?.startsWith('h') && !isInternalPath(item.path) && !dumps.has(item.path);
}

export function isInternalPath(path: string): boolean {
  return path === INTERNAL_DIR || path.startsWith(`${INTERNAL_DIR}/`);
}

/** Archive paths of every dump in a manifest: `<source name>/<dump file>`. */
export function dumpPaths(manifest: Manifest | undefined): string[] {
  const out: string[] = [];
  for (const s of manifest?.sources ?? []) {
    for (const d of s.dumps ?? []) out.push(dumpArchivePath(s.name, d.file));
  }
  return out;
}

/** The dumps a manifest names, by their path in the archive (every one is drilled). */
export function dumpsOf(manifest: Manifest | undefined): Map<string, SampledDump> {
  const out = new Map<string, SampledDump>();
  for (const s of manifest?.sources ?? []) {
    for (const dump of s.dumps ?? []) out.set(dumpArchivePath(s.name, dump.file), { source: s.name, record: dump });
  }
  return out;
}

/** Archive path of a dump file recorded relative to its source's directory. */
export function dumpArchivePath(source: string, file: string): string {
  return `${source}/${file.replace(/^(\.\/)+/, '')}`;
}

/** Splits an archive path into its source (first component) and the path inside that source. */
export function splitArchivePath(path: string): { source: string; rest: string } {
  const i = path.indexOf('/');
  return i < 0 ? { source: path, rest: '' } : { source: path.slice(0, i), rest: path.slice(i + 1) };
}

export function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
}

/** Whether the catalog says the host's mirror still equals the drilled archive (nothing wrote to it since borg archived it without a warning). */
export function mirrorIsArchive(known: { repository: string; archive: string } | undefined, repository: string, archive: string | undefined): boolean {
  return known !== undefined && known.repository === repository && known.archive === archive;
}

/** The sample: the reservoir's files, then the dumps the listing found; the dumps the manifest names that the archive lacks are apart. */
export function sampleTargets(picked: readonly Target[], found: readonly Target[], dumps: ReadonlyMap<string, SampledDump>): { targets: Target[]; dumpTargets: Target[]; missingDumps: string[] } {
  const dumpTargets = found.map((t) => ({ ...t, dump: dumps.get(t.path) }));
  const missingDumps = [...dumps.keys()].filter((p) => !dumpTargets.some((t) => t.path === p));
  return { targets: [...picked, ...dumpTargets], dumpTargets, missingDumps };
}

/**
 * The first sampled file (damaged ones aside: those are findings) that the archive does not hold as
 * the mirror did, with what differs; undefined when every one matches borg's record.
 */
export function mirrorDifference(fromMirror: ReadonlyMap<string, { size: number; mtimeSeconds: number }>, hashes: HashListing): string | undefined {
  for (const [path, m] of fromMirror) {
    if (hashes.damaged.has(path)) continue;
    const size = hashes.size.get(path);
    const mtime = hashes.mtime.get(path);
    if (size === undefined || mtime === undefined) return `${path}: not a regular file of the archive`;
    if (size !== m.size) return `${path}: ${m.size} bytes in the mirror, ${size} in the archive`;
    if (archivedMtimeSeconds(mtime) !== m.mtimeSeconds) return `${path}: modified at another time in the mirror than in the archive`;
  }
  return undefined;
}

/** Which sampled dumps are restored into scratch databases (each whose file came back intact), and which fail without one. */
export function dumpsToRestore(dumpTargets: readonly Target[], results: readonly FileResult[], scratch: string): { restore: RestoredDump[]; failed: Target[] } {
  const restore = dumpTargets
    .filter((t) => results.find((x) => x.path === t.path)?.verdict !== 'mismatch')
    .map((t) => ({ path: t.path, file: join(scratch, t.path), source: t.dump!.source, record: t.dump!.record }));
  return { restore, failed: dumpTargets.filter((t) => !restore.some((x) => x.path === t.path)) };
}

/**
 * The 'sample' row. Candidates come from the archive itself (metadata only: no chunk is read),
 * streamed record by record into a reservoir of the sample's size, so the archive's file list is
 * never held in memory. Each borg command walks the whole item list. The archive's manifest (which
 * names the dumps, never sampled as files) is the catalog's record of it when there is one: one
 * listing chooses the sample, and the archive's own manifest is extracted with the sample (the same
 * walk) and checked against the record (sampleHolds). Without a record, the manifest is read
 * alongside the listing, which starts from no dumps; only when the manifest names dumps is it listed again.
 */
export async function chooseSample(d: DrillRun): Promise<void> {
  const { ctx, opts, r } = d;
  d.salt = d.rand();
  if (await sampleFromMirror(d)) return;
  const inCatalog = ctx.catalog.archiveRecords(r.repository).get(d.archive!)?.manifest;
  const record = inCatalog === undefined ? undefined : parseManifest(inCatalog, `the catalog's record of archive ${d.archive}`);
  const fixed = fixedSampleSize(opts.sample, ctx.global.drill.sample);
  if (record && fixed !== undefined) {
    d.manifest = record;
    d.manifestToCheck = true;
    d.dumps = dumpsOf(record);
    takeSample(d, await sampleOf(d, new Set(d.dumps.keys()), fixed));
    return;
  }
  const recorded = new Set(dumpPaths(record));
  const [manifest, first] = await both<Manifest | undefined, number | Sampled>(
    readArchiveManifest(d.borg, r.repository, d.archive!, d.scratch, MANIFEST_PATH),
    fixed !== undefined ? sampleOf(d, recorded, fixed) : countCandidates(d, recorded),
  );
  d.manifest = manifest;
  d.dumps = dumpsOf(manifest);
  const dumps = new Set(d.dumps.keys());
  const same = sameSet(dumps, recorded);
  let out: Sampled;
  if (typeof first !== 'number') out = same ? first : await sampleOf(d, dumps, fixed!);
  else out = await sampleOf(d, dumps, sampleSize(same ? first : await countCandidates(d, dumps), opts.sample, ctx.global.drill.sample));
  takeSample(d, out);
}

/**
 * While the host's mirror still equals the drilled archive (mirrorIsArchive), the candidates are
 * the mirror's files: a walk of the file system where borg's listing decrypts, unpacks and formats
 * every item of the archive (at 300,000 files, 0.3 s against 2.9 s). The set of paths is the
 * archive's, so the reservoir picks exactly the files a listing of the archive would have given it.
 * It is a shortcut, not a source of truth: after the extraction each sampled file must be in the
 * archive with the size and mtime the mirror had (sampleHolds), or the sample is chosen again from
 * the archive's listing. False (and nothing chosen) when the mirror cannot stand in for the archive.
 */
async function sampleFromMirror(d: DrillRun): Promise<boolean> {
  const { ctx, r } = d;
  const known = ctx.catalog.mirrorArchive(ctx.host.name);
  if (!known || !mirrorIsArchive(known, r.repository, d.archive)) return false;
  const mirror = hostMirrorDir(ctx.global, ctx.host.name);
  let manifest: Manifest | undefined;
  try {
    manifest = readManifestFile(mirror, MANIFEST_PATH, `the mirror of ${ctx.host.name}`);
  } catch {
    return false;
  }
  if (manifest?.archive !== d.archive) return false;
  const walk = (onItem: (i: ItemPath) => void) => walkMirror(mirror, known.sources, onItem);
  d.dumps = dumpsOf(manifest);
  const dumps = new Set(d.dumps.keys());
  let out: Sampled;
  try {
    const k = fixedSampleSize(d.opts.sample, ctx.global.drill.sample) ?? sampleSize(await countCandidates(d, dumps, walk), d.opts.sample, ctx.global.drill.sample);
    out = await sampleOf(d, dumps, k, walk);
  } catch (e) {
    if (!(e instanceof UnnamedEntry) && !isFsError(e)) throw e;
    ctx.logger.info({ archive: d.archive, reason: e.message }, "the drill's sample is chosen from the archive's listing: the mirror could not be walked");
    d.dumps = new Map();
    return false;
  }
  // A dump the manifest names and the mirror lacks: whether the archive lacks it too is borg's to say.
  if (out.found.length !== dumps.size) {
    d.dumps = new Map();
    return false;
  }
  d.manifest = manifest;
  d.manifestToCheck = true;
  takeSample(d, out, 'mirror');
  d.fromMirror = new Map();
  for (const t of d.targets) {
    const st = lstatSync(join(mirror, t.path), { throwIfNoEntry: false });
    d.fromMirror.set(t.path, { size: st?.size ?? NaN, mtimeSeconds: st ? Math.floor(st.mtimeMs / 1000) : NaN });
  }
  return true;
}

/**
 * After the sample's extraction (`extracted`: it met no damage), whether a sample chosen from the
 * catalog's record or the mirror held: the archive's own manifest names the dumps the record did,
 * and each file taken from the mirror is in the archive as the mirror held it. When not, the sample
 * is chosen again from the archive's listing and false is returned: the caller extracts again.
 */
export async function sampleHolds(d: DrillRun, extracted: boolean, hashes: HashListing): Promise<boolean> {
  if (d.manifestToCheck) {
    d.manifestToCheck = false;
    if (!(await manifestAsRecorded(d, extracted))) {
      // The archive names other dumps than the catalog (or the mirror) recorded: sample again from what it says.
      await resampleFromArchive(d);
      return false;
    }
  }
  const differs = d.fromMirror && mirrorDifference(d.fromMirror, hashes);
  if (differs) {
    // An edit of the mirror behind pullback's back, or a hard link (borg lists its second name as a link, never sampled).
    d.ctx.logger.info({ archive: d.archive, differs }, "a file sampled from the mirror is not in the archive as the mirror holds it: the drill's sample is chosen again from the archive's listing");
    await resampleFromArchive(d);
    return false;
  }
  return true;
}

/**
 * Reads the archive's manifest (extracted with the sample, or again on its own when damage stopped
 * that extraction) in place of the catalog's record; false when it names other dumps than the record.
 */
async function manifestAsRecorded(d: DrillRun, extracted: boolean): Promise<boolean> {
  const manifest = (extracted ? readManifestFile(d.scratch, MANIFEST_PATH, `archive ${d.archive}`) : undefined) ?? (await readArchiveManifest(d.borg, d.r.repository, d.archive!, d.scratch, MANIFEST_PATH));
  const recorded = new Set(d.dumps.keys());
  d.manifest = manifest;
  d.dumps = dumpsOf(manifest);
  const same = sameSet(new Set(d.dumps.keys()), recorded);
  if (!same) d.ctx.logger.warn({ archive: d.archive }, "the archive's manifest names other dumps than the catalog or the mirror recorded for it: the sample is chosen again from the archive's");
  return same;
}

/** The sample chosen again from the archive's own listing (the mirror's copy of things did not hold). */
async function resampleFromArchive(d: DrillRun): Promise<void> {
  for (const p of d.targets.map((t) => t.path)) rmSync(join(d.scratch, p), { force: true });
  d.fromMirror = undefined;
  const dumps = new Set(d.dumps.keys());
  const k = fixedSampleSize(d.opts.sample, d.ctx.global.drill.sample) ?? sampleSize(await countCandidates(d, dumps), d.opts.sample, d.ctx.global.drill.sample);
  takeSample(d, await sampleOf(d, dumps, k));
}

interface Sampled {
  pick: ReservoirSample<Target>;
  found: Target[];
}

/** Walks the candidates' items, handing each to `onItem`: borg's listing of the archive, or the mirror's files. */
type ItemWalk = (onItem: (i: ItemPath) => void) => Promise<void>;

function archiveWalk(d: DrillRun): ItemWalk {
  return (onItem) => listArchiveItems(d.borg, d.r.repository, d.archive!, onItem);
}

/** One listing: every candidate offered to a reservoir of `k` (salted by the drill's seed), every dump found. */
async function sampleOf(d: DrillRun, dumps: ReadonlySet<string>, k: number, walk = archiveWalk(d)): Promise<Sampled> {
  const pick = new ReservoirSample<Target>(k, () => d.salt!);
  const found: Target[] = [];
  await walk((i) => {
    if (isSampleCandidate(i, dumps)) pick.consider(i.path, () => ({ path: i.path, size: NaN }));
    else if (i.type === '-' && dumps.has(i.path)) found.push({ path: i.path, size: NaN });
  });
  return { pick, found };
}

async function countCandidates(d: DrillRun, dumps: ReadonlySet<string>, walk = archiveWalk(d)): Promise<number> {
  let n = 0;
  await walk((i) => {
    if (isSampleCandidate(i, dumps)) n++;
  });
  return n;
}

function takeSample(d: DrillRun, out: Sampled, from: 'archive' | 'mirror' = 'archive'): void {
  const { ctx, opts, r } = d;
  const picked = out.pick.take();
  ({ targets: d.targets, dumpTargets: d.dumpTargets, missingDumps: d.missingDumps } = sampleTargets(picked, out.found, d.dumps));
  ctx.logger.info({ archive: d.archive, candidates: out.pick.offered, sample: picked.length, dumps: d.dumpTargets.length, seed: opts.seed, from }, 'drill sample chosen');
  d.sample.from = from;
  d.sample.candidates = out.pick.offered;
  r.sampled = [...d.targets.map((t) => t.path), ...d.missingDumps];
}

function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}
