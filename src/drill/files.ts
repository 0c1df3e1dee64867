// The drill's files: the 'extract' row restores the sampled paths into the scratch directory (and
// borg's hash of each, bisecting around damage), and the 'compare' row judges each restored file
// against borg's record and the origin (content, size, mtime, ACLs and xattrs).
import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_DIR, type Manifest } from '../archive/manifest.js';
import { zeroedIn } from '../catalog/zeroed-files.js';
import { localXattrs } from '../tools/attr/xattrs.js';
import { sshForRole } from '../tools/ssh/options.js';
import { sha256File } from '../util/files.js';
import { both } from '../util/pool.js';
import { borgHashes, extractPaths, tryExtractPaths } from './archive-files.js';
import { archivedMtimeSeconds, observeOrigins, originPath } from './origin.js';
import { MANIFEST_PATH, sampleHolds, splitArchivePath } from './sample.js';
import type { DrillRun } from './state.js';
import { classifyFile, countVerdicts, missingOnOrigin, unverifiedFiles, type FileResult } from './verdict.js';

/** The 'extract' row: the sample out of the archive into the scratch directory, hashed; damaged files are findings, not errors. */
export async function extractSample(d: DrillRun): Promise<void> {
  const { r, borg, scratch } = d;
  const paths = d.targets.map((t) => t.path);
  // Two readers at once (borg's shared lock): each walks the archive's whole item list to find the
  // sampled paths, so on two cores they cost one walk of wall time, not two. The archive's manifest,
  // when the sample was chosen from the catalog's record of it, comes out with the sample. Only when
  // the extraction meets damage is it done again, without the files the hashing found damaged, bisecting.
  const [hashes, clean] = await both(
    borgHashes(borg, r.repository, d.archive!, paths),
    tryExtractPaths(borg, r.repository, d.archive!, scratch, d.manifestToCheck ? [...paths, MANIFEST_PATH] : paths),
  );
  // A sample chosen from the catalog's record or the mirror that did not hold is chosen again: extract that one.
  if (!(await sampleHolds(d, clean, hashes))) return extractSample(d);
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

/** The 'compare' row: a verdict for every sampled file (and every dump the archive lacks), counted into the result. */
export async function compareWithOrigin(d: DrillRun): Promise<void> {
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
  // The files a repair zero-filled in this archive: each is a mismatch of its own, named as such (the rest of its source is judged file by file).
  const zeroed = new Map(zeroedIn(ctx.catalog, r.repository, d.archive!).map((z) => [z.path, z.repairedAt]));

  const results: FileResult[] = targets.map((t, i) =>
    classifyFile({
      path: t.path,
      restoredSha256: restored.get(t.path),
      restoreError: d.damaged.get(t.path),
      borgSha256: d.borgSha256.get(t.path),
      recordedSha256: t.dump?.record.sha256,
      zeroFilledAt: zeroed.get(t.path),
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
