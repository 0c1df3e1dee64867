// The safety snapshot taken before a restore overwrites anything: every target path pulled and
// every target database dumped into <workDir>/pre, then archived into the TARGET host's repository
// as `<target>-pre-restore-<stamp>`, with the same layout and manifest as a nightly archive, so
// `restore --rollback` can put it back the same way.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { repositoryPath } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Manifest, SourceManifest } from '../archive/manifest.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import { mapPool, settle, settledValues } from '../util/pool.js';
import { rsyncPull } from '../tools/rsync/run.js';
import { remotePathExists } from '../tools/ssh/remote.js';
import { archiveName, archiveTree } from '../archive/create.js';
import { removeLater, rsyncVia, type RestoreContext, type RestoreStepResult } from './context.js';
import { snapshotDatabases } from './db-snapshot.js';

export interface SnapshotResult {
  repository: string;
  archive: string;
}

/** `<target>-pre-restore-YYYYMMDDTHHMMSSZ`. */
export function snapshotName(target: string, at: Date): string {
  return archiveName(`${target}-pre-restore`, at);
}

/** How many of the target's sources are saved at once (each an rsync over the shared connection, or a dump). */
const SNAPSHOT_CONCURRENCY = 3;

/**
 * Takes the snapshot of everything `plan` overwrites; never throws (a failure is the step's outcome).
 * The sources are saved a few at once; `beforeArchive` is awaited before borg create (the restore's
 * own extraction from the same repository holds borg's lock until it ends).
 */
export async function takeSafetySnapshot(
  ctx: RestoreContext,
  plan: RestorePlan,
  catalog: Catalog,
  opts: { at?: Date; beforeArchive?: (repository: string) => Promise<unknown> } = {},
): Promise<RestoreStepResult<SnapshotResult>> {
  const at = opts.at ?? new Date();
  const pre = join(ctx.workDir, 'pre');
  const repository = repositoryPath(ctx.global, ctx.target.name);
  const archive = snapshotName(ctx.target.name, at);
  rmSync(pre, { recursive: true, force: true });
  mkdirSync(pre, { recursive: true });
  try {
    // In plan order in the manifest, whatever order they finish in; the first failure is thrown once all have ended.
    const sources = settledValues(await mapPool(plan.steps, SNAPSHOT_CONCURRENCY, (step) => settle(saveSource(ctx, step, join(pre, step.source)))));
    await opts.beforeArchive?.(repository);
    const manifest: Manifest = { format: 1, host: ctx.target.name, archive, createdAt: at.toISOString(), preRestoreOf: { host: plan.host, archive: plan.archive }, sources };
    const stats = await archiveTree(ctx.borg, catalog, {
      repository,
      host: ctx.target.name,
      archive,
      at,
      dir: pre,
      sourceNames: sources.map((s) => s.name),
      manifest,
      compression: ctx.global.repository.compression,
    });
    return { status: 'ok', summary: `${archive} (${stats.nfiles} files)`, details: { repository, archive, nfiles: stats.nfiles, bytes: stats.originalSize }, value: { repository, archive } };
  } catch (e) {
    return { status: 'failed', error: `safety snapshot: ${describeError(e)}` };
  } finally {
    removeLater(ctx, pre);
  }
}

/** Saves one source of the target into `dest` (its databases dumped, its folder pulled); throws. */
async function saveSource(ctx: RestoreContext, step: PlannedStep, dest: string): Promise<SourceManifest> {
  if (step.mode === 'databases') {
    const snap = await snapshotDatabases(ctx, step, dest);
    return { name: step.source, kind: step.kind, path: step.targetPath, status: 'ok', dumps: snap.dumps, preRestore: { existed: true, absentDatabases: snap.absent } };
  }
  const existed = await remotePathExists(ctx.session, step.targetPath);
  if (existed) {
    ctx.present?.add(step.targetPath);
    // The restore's excludes: what it will not touch need not be saved, and a rollback (pushing
    // with the excludes recorded below) leaves those files alone too.
    const src = { name: step.source, kind: step.kind, path: step.targetPath, exclude: step.exclude };
    const out = await rsyncPull(ctx.global, ctx.target, src, dest, { ...rsyncVia(ctx), role: 'restore' });
    if (out.verdict.kind === 'failed' || out.verdict.kind === 'retry') throw new Error(`pulling ${ctx.target.name}:${step.targetPath}: ${out.verdict.reason}`);
  } else {
    mkdirSync(dest, { recursive: true });
  }
  return { name: step.source, kind: step.kind, path: step.targetPath, exclude: step.exclude, status: 'ok', preRestore: { existed } };
}
