// One host's restore drill, as one table of steps (DRILL_STEPS): pick an archive, sample files
// (plus every dump), really extract them into a scratch directory, compare with borg's record and
// the origin, restore the dumps into scratch databases, and record it all. Never throws for the
// drill's own failures.
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../errors.js';
import { pickArchive, type ArchiveChoice } from './archive-choice.js';
import { seededRandom } from './random.js';
import { dumpArchivePath, dumpPaths, isSampleCandidate, ReservoirSample, sampleSize, splitArchivePath, type ManifestDumps, type SampleRequest } from './sample.js';
import { classifyFile, countVerdicts, drillStatus, missingOnOrigin, nothingVerified, unverifiedFiles, type DrillCounts, type DrillStatus, type FileResult, type MissingOnOrigin } from './verdict.js';
import { nightlyGlob } from '../tools/borg/args.js';
import { listArchives } from '../tools/borg/repo.js';
import { MANIFEST_DIR, MANIFEST_FILE, type Manifest } from '../archive/manifest.js';
import { borgContext, hostMirrorDir, hostRepo, type HostContext } from '../job/context.js';
import { openRepo } from '../archive/repo-identity.js';
import type { DumpRecord } from '../archive/manifest.js';
import { borgHashes, type HashListing, describeBorgFailure, extractPaths, listArchiveItems, readArchiveManifest, readManifestFile, tryExtractPaths } from './archive-files.js';
import { sha256File } from '../util/files.js';
import { localXattrs } from '../tools/attr/xattrs.js';
import { missingArchiveMessage } from '../archive/facts.js';
import { drillDatabases, type DatabaseDrillResult, type RestoredDump } from './databases.js';
import { archivedMtimeSeconds, observeOrigins, originPath } from './origin.js';
import { sshForRole } from '../tools/ssh/options.js';
import { finishDrill, startDrill, type DrillProblem } from './record.js';
import { UnnamedEntry, walkMirror } from './mirror-files.js';
import { both } from '../util/pool.js';
import type { ItemPath } from '../tools/borg/items.js';

export interface DrillOptions {
  archive: ArchiveChoice;
  sample: SampleRequest;
  seed: string;
}

export interface DrillResult {
  drillId: number;
  host: string;
  repository: string;
  archive?: string;
  seed: string;
  status: DrillStatus;
  counts: DrillCounts;
  /** Why the drill verified nothing (status 'unverified'): it sampled nothing, or no sampled file could be compared. */
  unverified?: string;
  /** Archive paths sampled (the random files, then the dumps). */
  sampled: string[];
  /** Regular files actually present in the scratch directory after extraction. */
  extracted: number;
  bytesRestored: number;
  mismatches: DrillProblem[];
  changed: DrillProblem[];
  /** Sampled files gone from the origin: counted and listed; a warning past drill.max_missing of the sample. */
  missingOnOrigin?: MissingOnOrigin;
  databases: DatabaseDrillResult[];
  /** Things that went unchecked (origin unreachable, ...): a warning, not a failure. */
  warnings: string[];
  error?: string;
  durationMs: number;
}

interface Target {
  path: string;
  /** borg's record of the size, from the hash listing (NaN for a file borg has no record of). */
  size: number;
  /** borg's record of the mtime, from the hash listing (the candidate listing leaves times out: they cost borg a third of its walk). */
  mtime?: string;
  dump?: { source: string; record: DumpRecord };
}

/** Runs a drill of `ctx.host` and records it (drills table and check history 'drill'). */
export async function drillHost(ctx: HostContext, opts: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const repository = hostRepo(ctx);
  const drillId = startDrill(ctx.catalog, { runId: ctx.runId, host: ctx.host.name, repository, seed: opts.seed });
  const scratch = join(ctx.global.stateDir, 'drill', String(drillId));
  const r: DrillResult = {
    drillId, host: ctx.host.name, repository, seed: opts.seed, status: 'failed',
    counts: { sampled: 0, matches: 0, mismatches: 0, changed: 0, unverified: 0 }, sampled: [],
    extracted: 0, bytesRestored: 0, mismatches: [], changed: [], databases: [], warnings: [], durationMs: 0,
  };
  const sample: SampleFacts = { from: 'archive' };
  try {
    await drillInto(ctx, opts, scratch, r, sample);
  } catch (e) {
    r.error = describeBorgFailure(e);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const databaseFailures = r.databases.filter((d) => d.status === 'failed').length;
  // Only a drill that ran to its end can say it verified nothing (an error is said as such).
  if (r.error === undefined && !ctx.signal?.aborted) r.unverified = nothingVerified(r.counts, sample.candidates, sample.from);
  r.status = ctx.signal?.aborted ? 'failed' : drillStatus({ mismatches: r.counts.mismatches, databaseFailures, error: r.error, warnings: r.warnings.length, nothingVerified: r.unverified });
  r.durationMs = Date.now() - started;
  finishDrill(ctx.catalog, drillId, {
    archive: r.archive, status: ctx.signal?.aborted ? 'interrupted' : r.status, filesSampled: r.counts.sampled, sampled: r.sampled, bytesRestored: r.bytesRestored,
    matches: r.counts.matches, mismatches: r.mismatches, changed: r.changed, databases: r.databases, durationMs: r.durationMs,
    // What a drill that did not fail could not verify is kept with it, for the report.
    error: r.error ?? (r.status === 'ok' ? undefined : [r.unverified, ...r.warnings].filter(Boolean).join('; ')),
  });
  ctx.catalog.recordCheck(repository, 'drill', ctx.host.name, r.status);
  return r;
}

/** Where the sample was chosen from, and among how many candidate files. */
interface SampleFacts {
  from: 'archive' | 'mirror';
  candidates?: number;
}

/** What the drill's rows share as it goes. */
interface DrillRun {
  sample: SampleFacts;
  ctx: HostContext;
  /** Progress for people: `n` of the `of` sampled files hashed, then compared. */
  onVerified?: (n: number, of: number, what: string) => void;
  opts: DrillOptions;
  scratch: string;
  r: DrillResult;
  borg: ReturnType<typeof borgContext>;
  rand: () => number;
  /** The reservoir's salt: one draw of the drill's seeded generator, the same for every listing of this drill. */
  salt?: number;
  archive?: string;
  manifest?: Manifest;
  /** The manifest is the catalog's record (or the mirror's copy): the archive's own is extracted with the sample and checked against it. */
  manifestToCheck?: boolean;
  /** The sample was chosen from the mirror: each sampled file's size and mtime there, checked against borg's record after the extraction. */
  fromMirror?: Map<string, { size: number; mtimeSeconds: number }>;
  dumps: Map<string, { source: string; record: DumpRecord }>;
  targets: Target[];
  dumpTargets: Target[];
  missingDumps: string[];
  damaged: Map<string, string>;
  borgSha256: Map<string, string>;
  restored: Map<string, string>;
  results: FileResult[];
}

/** One row of the drill: what it does, what it records, what its failure stops. */
interface DrillRow {
  name: string;
  records: string;
  onFailure: string;
  run: (d: DrillRun) => Promise<void>;
}

/**
 * The drill, in order; drillInto walks it. A row that throws ends the drill (recorded as failed
 * with the error); rows never decide the verdict, which is computed from the result at the end.
 */
export const DRILL_STEPS: readonly DrillRow[] = [
  { name: 'repository', records: 'nothing (a missing or swapped repository is refused, nothing created)', onFailure: 'the drill', run: openRepository },
  { name: 'archive', records: "the drill's archive", onFailure: 'the drill', run: chooseArchive },
  { name: 'sample', records: "the archive's manifest; the sampled paths (random files from archive metadata, then every dump)", onFailure: 'the drill', run: chooseSample },
  { name: 'extract', records: 'files and bytes restored; damaged chunks as mismatches', onFailure: 'the drill', run: extractSample },
  { name: 'compare', records: 'matches, mismatches, changed and missing-on-origin files (content, size, ACLs and xattrs)', onFailure: 'the drill', run: compareWithOrigin },
  { name: 'databases', records: 'each dump restored into a scratch database, its row counts against the dump', onFailure: 'the drill', run: restoreDumps },
];

async function drillInto(ctx: HostContext, opts: DrillOptions, scratch: string, r: DrillResult, sample: SampleFacts): Promise<void> {
  const d: DrillRun = {
    sample, ctx, opts, scratch, r, borg: borgContext(ctx), rand: seededRandom(opts.seed, ctx.host.name),
    dumps: new Map(), targets: [], dumpTargets: [], missingDumps: [], damaged: new Map(), borgSha256: new Map(), restored: new Map(), results: [],
  };
  const bar = ctx.progress?.enabled ? ctx.progress.task(`drill ${ctx.host.name}`) : undefined;
  d.onVerified = bar && ((n, of, what) => bar.update(n, of, `${n} of ${of} sampled files ${what}`));
  try {
    for (const row of DRILL_STEPS) {
      if (ctx.signal?.aborted) break;
      await row.run(d);
    }
  } finally {
    bar?.done();
  }
}

async function openRepository(d: DrillRun): Promise<void> {
  await openRepo(d.borg, d.ctx.catalog, d.r.repository, d.ctx.host.name, 'read'); // missing or swapped: JobError, nothing created
}

async function chooseArchive(d: DrillRun): Promise<void> {
  const { ctx, opts, r, borg } = d;
  const glob = opts.archive.kind === 'named' ? undefined : nightlyGlob(ctx.host.name);
  const names = (await listArchives(borg, r.repository, glob)).map((a) => a.name);
  const archive = pickArchive(names, opts.archive, d.rand);
  if (archive === undefined) {
    if (opts.archive.kind !== 'named') throw new JobError(`no archive of ${ctx.host.name} in ${r.repository} to drill`);
    const nightly = (await listArchives(borg, r.repository, nightlyGlob(ctx.host.name))).map((a) => a.name);
    throw new JobError(missingArchiveMessage(opts.archive.name, r.repository, ctx.host.name, nightly));
  }
  d.archive = r.archive = archive;
  mkdirSync(d.scratch, { recursive: true });
}

/**
 * The sample: candidates come from the archive itself (metadata only: no chunk is read), streamed
 * record by record into a reservoir of the sample's size, so the archive's file list is never held
 * in memory. Each borg command walks the whole item list. The archive's manifest (which names the
 * dumps, never sampled as files) is the catalog's record of it when there is one: one listing
 * chooses the sample, and the archive's own manifest is extracted with the sample (the same walk)
 * and checked against the record (extractSample). Without a record, the manifest is read alongside
 * the listing, which starts from no dumps; only when the manifest names dumps is it listed again.
 */
async function chooseSample(d: DrillRun): Promise<void> {
  const { ctx, opts, r } = d;
  d.salt = d.rand();
  if (await sampleFromMirror(d)) return;
  const record = ctx.catalog.archiveRecords(r.repository).get(d.archive!)?.manifest as Manifest | undefined;
  const fixed = fixedSampleSize(d);
  if (record && fixed !== undefined) {
    d.manifest = record;
    d.manifestToCheck = true;
    setDumps(d, record);
    takeSample(d, await sampleOf(d, new Set(d.dumps.keys()), fixed));
    return;
  }
  const recorded = new Set(dumpPaths(record as ManifestDumps | undefined));
  const [manifest, first] = await both<Manifest | undefined, number | Sampled>(
    readArchiveManifest(d.borg, r.repository, d.archive!, d.scratch, `${MANIFEST_DIR}/${MANIFEST_FILE}`) as Promise<Manifest | undefined>,
    fixed !== undefined ? sampleOf(d, recorded, fixed) : countCandidates(d, recorded),
  );
  d.manifest = manifest;
  setDumps(d, manifest);
  const dumps = new Set(d.dumps.keys());
  const same = sameSet(dumps, recorded);
  let out: Sampled;
  if (typeof first !== 'number') out = same ? first : await sampleOf(d, dumps, fixed!);
  else out = await sampleOf(d, dumps, sampleSize(same ? first : await countCandidates(d, dumps), opts.sample, ctx.global.drill.sample));
  takeSample(d, out);
}

/**
 * While the host's mirror still equals the drilled archive (the catalog says nothing has written to
 * it since borg archived it without a warning), the candidates are the mirror's files: a walk of
 * the file system where borg's listing decrypts, unpacks and formats every item of the archive (at
 * 300,000 files, 0.3 s against 2.9 s). The set of paths is the archive's, so the reservoir picks
 * exactly the files a listing of the archive would have given it. It is a shortcut, not a source
 * of truth: after the extraction each sampled file must be in the archive with the size and mtime
 * the mirror had (mirrorDifference), or the sample is chosen again from the archive's listing.
 * False (and nothing chosen) when the mirror cannot stand in for the archive.
 */
async function sampleFromMirror(d: DrillRun): Promise<boolean> {
  const { ctx, r } = d;
  const known = ctx.catalog.mirrorArchive(ctx.host.name);
  if (!known || known.repository !== r.repository || known.archive !== d.archive) return false;
  const mirror = hostMirrorDir(ctx.global, ctx.host.name);
  let manifest: Manifest | undefined;
  try {
    manifest = readManifestFile(mirror, `${MANIFEST_DIR}/${MANIFEST_FILE}`) as Manifest | undefined;
  } catch {
    return false;
  }
  if (manifest?.archive !== d.archive) return false;
  const walk = (onItem: (i: ItemPath) => void) => walkMirror(mirror, known.sources, onItem);
  setDumps(d, manifest);
  const dumps = new Set(d.dumps.keys());
  let out: Sampled;
  try {
    const k = fixedSampleSize(d) ?? sampleSize(await countCandidates(d, dumps, walk), d.opts.sample, ctx.global.drill.sample);
    out = await sampleOf(d, dumps, k, walk);
  } catch (e) {
    if (!(e instanceof UnnamedEntry) && !isFsError(e)) throw e;
    ctx.logger.info({ archive: d.archive, reason: e.message }, "the drill's sample is chosen from the archive's listing: the mirror could not be walked");
    d.dumps.clear();
    return false;
  }
  // A dump the manifest names and the mirror lacks: whether the archive lacks it too is borg's to say.
  if (out.found.length !== dumps.size) {
    d.dumps.clear();
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

function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

/**
 * The first sampled file (damaged ones aside: those are findings) that the archive does not hold as
 * the mirror did, with what differs; undefined when every one matches borg's record.
 */
function mirrorDifference(d: DrillRun, hashes: HashListing): string | undefined {
  for (const [path, m] of d.fromMirror ?? []) {
    if (hashes.damaged.has(path)) continue;
    const size = hashes.size.get(path);
    const mtime = hashes.mtime.get(path);
    if (size === undefined || mtime === undefined) return `${path}: not a regular file of the archive`;
    if (size !== m.size) return `${path}: ${m.size} bytes in the mirror, ${size} in the archive`;
    if (archivedMtimeSeconds(mtime) !== m.mtimeSeconds) return `${path}: modified at another time in the mirror than in the archive`;
  }
  return undefined;
}

/** The sample chosen again from the archive's own listing (the mirror's copy of things did not hold). */
async function resampleFromArchive(d: DrillRun): Promise<void> {
  for (const p of d.targets.map((t) => t.path)) rmSync(join(d.scratch, p), { force: true });
  d.fromMirror = undefined;
  const dumps = new Set(d.dumps.keys());
  const k = fixedSampleSize(d) ?? sampleSize(await countCandidates(d, dumps), d.opts.sample, d.ctx.global.drill.sample);
  takeSample(d, await sampleOf(d, dumps, k));
}

/** The sample's size when it is a number of files; undefined for a percentage, which needs the number of candidates first (one more metadata listing, counting only). */
function fixedSampleSize(d: DrillRun): number | undefined {
  return d.opts.sample.percent === undefined ? (d.opts.sample.sample ?? d.ctx.global.drill.sample) : undefined;
}

interface Sampled {
  pick: ReservoirSample<Target>;
  found: Target[];
}

/** The dumps the manifest names, by their path in the archive. */
function setDumps(d: DrillRun, manifest: Manifest | undefined): void {
  d.dumps.clear();
  for (const s of manifest?.sources ?? []) {
    for (const dump of s.dumps ?? []) d.dumps.set(dumpArchivePath(s.name, dump.file), { source: s.name, record: dump });
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
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
  const sample = out.pick.take();
  d.dumpTargets = out.found.map((t) => ({ ...t, dump: d.dumps.get(t.path) }));
  d.targets = [...sample, ...d.dumpTargets];
  d.missingDumps = [...d.dumps.keys()].filter((p) => !d.dumpTargets.some((t) => t.path === p));
  ctx.logger.info({ archive: d.archive, candidates: out.pick.offered, sample: sample.length, dumps: d.dumpTargets.length, seed: opts.seed, from }, 'drill sample chosen');
  d.sample.from = from;
  d.sample.candidates = out.pick.offered;
  r.sampled = [...d.targets.map((t) => t.path), ...d.missingDumps];
}

async function extractSample(d: DrillRun): Promise<void> {
  const { r, borg, scratch } = d;
  const paths = d.targets.map((t) => t.path);
  const manifestPath = `${MANIFEST_DIR}/${MANIFEST_FILE}`;
  // Two readers at once (borg's shared lock): each walks the archive's whole item list to find the
  // sampled paths, so on two cores they cost one walk of wall time, not two. The archive's manifest,
  // when the sample was chosen from the catalog's record of it, comes out with the sample. Only when
  // the extraction meets damage is it done again, without the files the hashing found damaged, bisecting.
  const [hashes, clean] = await both(
    borgHashes(borg, r.repository, d.archive!, paths),
    tryExtractPaths(borg, r.repository, d.archive!, scratch, d.manifestToCheck ? [...paths, manifestPath] : paths),
  );
  if (d.manifestToCheck) {
    d.manifestToCheck = false;
    if (!(await manifestAsRecorded(d, clean, manifestPath))) {
      // The archive names other dumps than the catalog (or the mirror) recorded: sample again from what it says.
      await resampleFromArchive(d);
      return extractSample(d);
    }
  }
  const differs = d.fromMirror && mirrorDifference(d, hashes);
  if (differs) {
    // An edit of the mirror behind pullback's back, or a hard link (borg lists its second name as a link, never sampled).
    d.ctx.logger.info({ archive: d.archive, differs }, "a file sampled from the mirror is not in the archive as the mirror holds it: the drill's sample is chosen again from the archive's listing");
    await resampleFromArchive(d);
    return extractSample(d);
  }
  d.borgSha256 = hashes.sha256;
  for (const t of d.targets) {
    t.mtime = hashes.mtime.get(t.path);
    t.size = hashes.size.get(t.path) ?? NaN;
  }
  d.damaged = new Map(hashes.damaged);
  if (!clean) {
    // What the failed extraction left (a damaged file may be half written) is not a restored copy.
    for (const p of paths) rmSync(join(scratch, p), { force: true });
    const extractDamage = await extractPaths(borg, r.repository, d.archive!, scratch, paths.filter((p) => !d.damaged.has(p)));
    for (const [p, why] of extractDamage) d.damaged.set(p, why);
  }
  r.extracted = countFiles(scratch, new Set([MANIFEST_DIR]));
  d.onVerified?.(0, d.targets.length, 'hashed');
  for (const [i, t] of d.targets.entries()) {
    const file = join(scratch, t.path);
    if (!d.damaged.has(t.path) && isFile(file)) {
      d.restored.set(t.path, await sha256File(file));
      r.bytesRestored += lstatSync(file).size;
    }
    d.onVerified?.(i + 1, d.targets.length, 'hashed');
  }
}

/**
 * Reads the archive's manifest (extracted with the sample, or again on its own when damage stopped
 * that extraction) in place of the catalog's record; false when it names other dumps than the record.
 */
async function manifestAsRecorded(d: DrillRun, extracted: boolean, manifestPath: string): Promise<boolean> {
  const manifest = ((extracted ? readManifestFile(d.scratch, manifestPath) : undefined) ?? (await readArchiveManifest(d.borg, d.r.repository, d.archive!, d.scratch, manifestPath))) as Manifest | undefined;
  const recorded = new Set(d.dumps.keys());
  d.manifest = manifest;
  setDumps(d, manifest);
  const same = sameSet(new Set(d.dumps.keys()), recorded);
  if (!same) d.ctx.logger.warn({ archive: d.archive }, "the archive's manifest names other dumps than the catalog or the mirror recorded for it: the sample is chosen again from the archive's");
  return same;
}

async function compareWithOrigin(d: DrillRun): Promise<void> {
  const { ctx, r, scratch, manifest, targets, restored } = d;
  const sourceDirs = new Map<string, string>();
  for (const s of manifest?.sources ?? []) sourceDirs.set(s.name, s.path);
  for (const s of ctx.host.sources) if (!sourceDirs.has(s.name)) sourceDirs.set(s.name, s.path);
  const queries = targets.map((t) => {
    const { source, rest } = splitArchivePath(t.path);
    const dir = sourceDirs.get(source);
    // No mtime: borg has no record of the file (damaged), a mismatch whatever the origin holds.
    return { originPath: dir === undefined ? undefined : originPath(dir, rest), archivedSize: t.size, archivedMtimeSeconds: t.mtime === undefined ? NaN : archivedMtimeSeconds(t.mtime) };
  });
  const origins = await observeOrigins(ctx.host, sshForRole(ctx.global.ssh, ctx.host, 'pull'), queries, { signal: ctx.signal, logger: ctx.logger, controlPath: ctx.sshMux && (() => ctx.sshMux!.controlPath()) });
  const local = await localXattrs([...restored.keys()].map((p) => join(scratch, p)));
  const restoredXattrs = (p: string) => local.xattrs.get(join(scratch, p));
  const startedSeconds = backupStarts(manifest);

  const results: FileResult[] = targets.map((t, i) =>
    classifyFile({
      path: t.path,
      restoredSha256: restored.get(t.path),
      restoreError: d.damaged.get(t.path),
      borgSha256: d.borgSha256.get(t.path),
      recordedSha256: t.dump?.record.sha256,
      archivedSize: t.size,
      archivedMtimeSeconds: queries[i]!.archivedMtimeSeconds,
      restoredXattrs: restoredXattrs(t.path),
      backupStartedSeconds: startedSeconds(splitArchivePath(t.path).source),
      origin: origins[i]!,
    }),
  );
  const attrReasons = new Map<string, number>();
  targets.forEach((t, i) => {
    const o = origins[i]!;
    if (o.kind !== 'present' || o.sha256 === undefined || !restored.has(t.path)) return;
    const why = o.xattrsError ?? (restoredXattrs(t.path) === undefined ? `not read from the restored copy${local.error ? `: ${local.error}` : ''}` : undefined);
    if (why) attrReasons.set(why, (attrReasons.get(why) ?? 0) + 1);
  });
  for (const [why, n] of attrReasons) r.warnings.push(`${n} file(s): ACLs/xattrs not compared with the origin: ${why}`);
  for (const p of d.missingDumps) results.push({ path: p, verdict: 'mismatch', reason: 'dump listed in the manifest is not in the archive', originCompared: false });
  d.onVerified?.(targets.length, targets.length, 'compared with the origin');
  r.counts = countVerdicts(results);
  r.mismatches = results.filter((x) => x.verdict === 'mismatch').map((x) => ({ path: x.path, reason: x.reason ?? '' }));
  r.changed = results.filter((x) => x.verdict === 'changed').map((x) => ({ path: x.path, reason: x.reason ?? '' }));
  r.missingOnOrigin = missingOnOrigin(results, ctx.global.drill.maxMissing);
  if (r.missingOnOrigin?.warning) r.warnings.push(r.missingOnOrigin.warning);
  const unverified = unverifiedFiles(results);
  if (unverified) r.warnings.push(unverified);
  d.results = results;
}

async function restoreDumps(d: DrillRun): Promise<void> {
  const { ctx, r, scratch, results } = d;
  const restoredDumps: RestoredDump[] = d.dumpTargets
    .filter((t) => results.find((x) => x.path === t.path)?.verdict !== 'mismatch')
    .map((t) => ({ path: t.path, file: join(scratch, t.path), source: t.dump!.source, record: t.dump!.record }));
  const failedDumps = d.dumpTargets.filter((t) => !restoredDumps.some((x) => x.path === t.path));
  r.databases = [
    ...failedDumps.map((t): DatabaseDrillResult => ({ path: t.path, engine: t.dump!.record.engine, database: t.dump!.record.database, status: 'failed', error: 'the dump file itself did not restore intact', tables: [], checks: [] })),
    ...(await drillDatabases(ctx, restoredDumps, r.drillId)),
  ];
  for (const x of r.databases) if (x.status === 'skipped') r.warnings.push(`database dump ${x.path} not restored: ${x.error ?? 'skipped'}`);
  for (const x of r.databases) if (x.status === 'unverified') r.warnings.push(`database dump ${x.path} not verified: ${x.error ?? 'nothing compared'}`);
}

/** Seconds at which the pull of each source began (the archive's time for manifests without it). */
function backupStarts(manifest: Manifest | undefined): (source: string) => number | undefined {
  const at = (iso: string | undefined) => (iso && !Number.isNaN(Date.parse(iso)) ? Math.floor(Date.parse(iso) / 1000) : undefined);
  return (source) => {
    const s = manifest?.sources.find((x) => x.name === source);
    return at(s?.pull?.window.start) ?? at(manifest?.createdAt);
  };
}

function isFile(p: string): boolean {
  return existsSync(p) && lstatSync(p).isFile();
}

/** Regular files under `dir` (not following symlinks), skipping top-level `skip` names. */
function countFiles(dir: string, skip: ReadonlySet<string>): number {
  let n = 0;
  const walk = (d: string, top: boolean) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (top && skip.has(e.name)) continue;
      if (e.isDirectory()) walk(join(d, e.name), false);
      else if (e.isFile()) n++;
    }
  };
  if (existsSync(dir)) walk(dir, true);
  return n;
}
