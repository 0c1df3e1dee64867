// The safety snapshot taken before a restore overwrites anything: every target path pulled and
// every target database dumped into <workDir>/pre, then archived into the TARGET host's repository
// as `<target>-pre-restore-<stamp>`, with the same layout and manifest as a nightly archive, so
// `restore --rollback` can put it back the same way.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../../catalog/catalog.js';
import { repositoryPath } from '../../config/types.js';
import { describeError } from '../../errors.js';
import type { PlanManifest, RestorePlan } from '../../plan/restore-plan.js';
import { rsyncPull } from '../../tools/rsync/run.js';
import { remotePathExists } from '../../tools/ssh/remote.js';
import { archiveName, archiveTree } from '../archive.js';
import { rsyncVia, type RestoreContext, type RestoreStepResult } from './context.js';
import { snapshotDatabases } from './db-snapshot.js';

export interface SnapshotResult {
  repository: string;
  archive: string;
}

/** `<target>-pre-restore-YYYYMMDDTHHMMSSZ`. */
export function snapshotName(target: string, at: Date): string {
  return archiveName(`${target}-pre-restore`, at);
}

/** Takes the snapshot of everything `plan` overwrites; never throws (a failure is the step's outcome). */
export async function takeSafetySnapshot(ctx: RestoreContext, plan: RestorePlan, catalog: Catalog, at = new Date()): Promise<RestoreStepResult<SnapshotResult>> {
  const pre = join(ctx.workDir, 'pre');
  const repository = repositoryPath(ctx.global, ctx.target.name);
  const archive = snapshotName(ctx.target.name, at);
  rmSync(pre, { recursive: true, force: true });
  mkdirSync(pre, { recursive: true });
  const sources: PlanManifest['sources'] = [];
  try {
    for (const step of plan.steps) {
      const dest = join(pre, step.source);
      if (step.mode === 'databases') {
        const snap = await snapshotDatabases(ctx, step, dest);
        sources.push({ name: step.source, kind: step.kind, path: step.targetPath, status: 'ok', dumps: snap.dumps, preRestore: { existed: true, absentDatabases: snap.absent } });
        continue;
      }
      const existed = await remotePathExists(ctx.session, step.targetPath);
      if (existed) {
        // The restore's excludes: what it will not touch need not be saved, and a rollback (pushing
        // with the excludes recorded below) leaves those files alone too.
        const src = { name: step.source, kind: step.kind, path: step.targetPath, exclude: step.exclude };
        const out = await rsyncPull(ctx.global, ctx.target, src, dest, { ...rsyncVia(ctx), role: 'restore' });
        if (out.verdict.kind === 'failed' || out.verdict.kind === 'retry') throw new Error(`pulling ${ctx.target.name}:${step.targetPath}: ${out.verdict.reason}`);
      } else {
        mkdirSync(dest, { recursive: true });
      }
      sources.push({ name: step.source, kind: step.kind, path: step.targetPath, exclude: step.exclude, status: 'ok', preRestore: { existed } });
    }
    const manifest = { format: 1, host: ctx.target.name, archive, createdAt: at.toISOString(), preRestoreOf: { host: plan.host, archive: plan.archive }, sources };
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
    rmSync(pre, { recursive: true, force: true });
  }
}
