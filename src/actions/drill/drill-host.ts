// One host's restore drill: pick an archive, sample files (plus every dump), really extract them
// into a scratch directory, compare with borg's record and the origin, restore the dumps into
// scratch databases, and record it all. Never throws for the drill's own failures.
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../../errors.js';
import { pickArchive, type ArchiveChoice } from '../../plan/drill-archive.js';
import { seededRandom } from '../../plan/drill-random.js';
import { dumpArchivePath, isSampleCandidate, pickSample, sampleSize, splitArchivePath, type SampleRequest } from '../../plan/drill-sample.js';
import { classifyFile, countVerdicts, drillStatus, missingOnOrigin, type DrillCounts, type FileResult, type MissingOnOrigin } from '../../plan/drill-verdict.js';
import { nightlyGlob } from '../../tools/borg/args.js';
import { listArchives } from '../../tools/borg/repo.js';
import { MANIFEST_DIR, MANIFEST_FILE, type Manifest } from '../archive.js';
import { borgContext, hostRepo, type HostContext } from '../context.js';
import { openRepo } from '../repo-identity.js';
import type { DumpRecord } from '../database.js';
import { borgHashes, describeBorgFailure, extractPaths, listArchiveItems, readArchiveManifest } from './archive-files.js';
import { sha256File } from '../../util/files.js';
import { localXattrs } from '../../tools/attr/xattrs.js';
import { missingArchiveMessage } from '../restore/archive-facts.js';
import { drillDatabases, type DatabaseDrillResult, type RestoredDump } from './databases.js';
import { archivedMtimeSeconds, observeOrigins, originPath } from './origin.js';
import { finishDrill, startDrill, type DrillProblem } from './record.js';

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
  status: 'ok' | 'warning' | 'failed';
  counts: DrillCounts;
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
  size: number;
  mtime: string;
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
    counts: { sampled: 0, matches: 0, mismatches: 0, changed: 0 }, sampled: [],
    extracted: 0, bytesRestored: 0, mismatches: [], changed: [], databases: [], warnings: [], durationMs: 0,
  };
  try {
    await drillInto(ctx, opts, scratch, r);
  } catch (e) {
    r.error = describeBorgFailure(e);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const databaseFailures = r.databases.filter((d) => d.status === 'failed').length;
  r.status = ctx.signal?.aborted ? 'failed' : drillStatus({ mismatches: r.counts.mismatches, databaseFailures, error: r.error, warnings: r.warnings.length });
  r.durationMs = Date.now() - started;
  finishDrill(ctx.catalog, drillId, {
    archive: r.archive, status: ctx.signal?.aborted ? 'interrupted' : r.status, filesSampled: r.counts.sampled, sampled: r.sampled, bytesRestored: r.bytesRestored,
    matches: r.counts.matches, mismatches: r.mismatches, changed: r.changed, databases: r.databases, durationMs: r.durationMs, error: r.error,
  });
  ctx.catalog.recordCheck(repository, 'drill', ctx.host.name, r.status);
  return r;
}

async function drillInto(ctx: HostContext, opts: DrillOptions, scratch: string, r: DrillResult): Promise<void> {
  const borg = borgContext(ctx);
  const rand = seededRandom(opts.seed, ctx.host.name);
  await openRepo(borg, ctx.catalog, r.repository, ctx.host.name, 'read'); // missing or swapped: JobError, nothing created
  const glob = opts.archive.kind === 'named' ? undefined : nightlyGlob(ctx.host.name);
  const names = (await listArchives(borg, r.repository, glob)).map((a) => a.name);
  const archive = pickArchive(names, opts.archive, rand);
  if (archive === undefined) {
    if (opts.archive.kind !== 'named') throw new JobError(`no archive of ${ctx.host.name} in ${r.repository} to drill`);
    const nightly = (await listArchives(borg, r.repository, nightlyGlob(ctx.host.name))).map((a) => a.name);
    throw new JobError(missingArchiveMessage(opts.archive.name, r.repository, ctx.host.name, nightly));
  }
  r.archive = archive;
  mkdirSync(scratch, { recursive: true });
  const manifestPath = `${MANIFEST_DIR}/${MANIFEST_FILE}`;
  const manifest = (await readArchiveManifest(borg, r.repository, archive, scratch, manifestPath)) as Manifest | undefined;
  const dumps = new Map<string, { source: string; record: DumpRecord }>();
  for (const s of manifest?.sources ?? []) {
    for (const d of s.dumps ?? []) dumps.set(dumpArchivePath(s.name, d.file), { source: s.name, record: d });
  }

  // Candidates come from the archive itself (metadata only: no chunk is read here).
  const candidates: Target[] = [];
  const dumpTargets: Target[] = [];
  const dumpSet = new Set(dumps.keys());
  await listArchiveItems(borg, r.repository, archive, (i) => {
    if (isSampleCandidate(i, dumpSet)) candidates.push({ path: i.path, size: i.size, mtime: i.mtime });
    else if (i.type === '-' && dumps.has(i.path)) dumpTargets.push({ path: i.path, size: i.size, mtime: i.mtime, dump: dumps.get(i.path) });
  });
  const k = sampleSize(candidates.length, opts.sample, ctx.global.drill.sample);
  const targets = [...pickSample(candidates, k, rand), ...dumpTargets];
  const missingDumps = [...dumps.keys()].filter((p) => !dumpTargets.some((t) => t.path === p));
  ctx.logger.info({ archive, candidates: candidates.length, sample: k, dumps: dumpTargets.length, seed: opts.seed }, 'drill sample chosen');

  const paths = targets.map((t) => t.path);
  r.sampled = [...paths, ...missingDumps];
  const hashes = await borgHashes(borg, r.repository, archive, paths);
  const damaged = new Map(hashes.damaged);
  const extractDamage = await extractPaths(borg, r.repository, archive, scratch, paths.filter((p) => !damaged.has(p)));
  for (const [p, why] of extractDamage) damaged.set(p, why);
  r.extracted = countFiles(scratch, new Set([MANIFEST_DIR]));

  const restored = new Map<string, string>();
  for (const t of targets) {
    const file = join(scratch, t.path);
    if (damaged.has(t.path) || !isFile(file)) continue;
    restored.set(t.path, await sha256File(file));
    r.bytesRestored += lstatSync(file).size;
  }

  const sourceDirs = new Map<string, string>();
  for (const s of manifest?.sources ?? []) sourceDirs.set(s.name, s.path);
  for (const s of ctx.host.sources) if (!sourceDirs.has(s.name)) sourceDirs.set(s.name, s.path);
  const queries = targets.map((t) => {
    const { source, rest } = splitArchivePath(t.path);
    const dir = sourceDirs.get(source);
    return { originPath: dir === undefined ? undefined : originPath(dir, rest), archivedSize: t.size, archivedMtimeSeconds: archivedMtimeSeconds(t.mtime) };
  });
  const origins = await observeOrigins(ctx.host, ctx.global.ssh, queries, { signal: ctx.signal, logger: ctx.logger });
  const local = await localXattrs([...restored.keys()].map((p) => join(scratch, p)));
  const restoredXattrs = (p: string) => local.xattrs.get(join(scratch, p));
  const startedSeconds = backupStarts(manifest);

  const results: FileResult[] = targets.map((t, i) =>
    classifyFile({
      path: t.path,
      restoredSha256: restored.get(t.path),
      restoreError: damaged.get(t.path),
      borgSha256: hashes.sha256.get(t.path),
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
  for (const p of missingDumps) results.push({ path: p, verdict: 'mismatch', reason: 'dump listed in the manifest is not in the archive', originCompared: false });
  r.counts = countVerdicts(results);
  r.mismatches = results.filter((x) => x.verdict === 'mismatch').map((x) => ({ path: x.path, reason: x.reason ?? '' }));
  r.changed = results.filter((x) => x.verdict === 'changed').map((x) => ({ path: x.path, reason: x.reason ?? '' }));
  r.missingOnOrigin = missingOnOrigin(results, ctx.global.drill.maxMissing);
  if (r.missingOnOrigin?.warning) r.warnings.push(r.missingOnOrigin.warning);
  const unchecked = new Set(origins.flatMap((o) => (o.kind === 'unchecked' ? [o.reason] : [])));
  for (const reason of unchecked) r.warnings.push(`${origins.filter((o) => o.kind === 'unchecked' && o.reason === reason).length} file(s) not compared with the origin: ${reason}`);

  const restoredDumps: RestoredDump[] = dumpTargets
    .filter((t) => results.find((x) => x.path === t.path)?.verdict !== 'mismatch')
    .map((t) => ({ path: t.path, file: join(scratch, t.path), source: t.dump!.source, record: t.dump!.record }));
  const failedDumps = dumpTargets.filter((t) => !restoredDumps.some((d) => d.path === t.path));
  r.databases = [
    ...failedDumps.map((t): DatabaseDrillResult => ({ path: t.path, engine: t.dump!.record.engine, database: t.dump!.record.database, status: 'failed', error: 'the dump file itself did not restore intact', tables: [], checks: [] })),
    ...(await drillDatabases(ctx, restoredDumps, r.drillId)),
  ];
  for (const d of r.databases) if (d.status === 'skipped') r.warnings.push(`database dump ${d.path} not restored: ${d.error ?? 'skipped'}`);
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
