// The safety snapshot taken before a restore overwrites anything: every target path pulled and
// every target database dumped into <workDir>/pre, then archived into the TARGET host's repository
// as `<target>-pre-restore-<stamp>`, with the same layout and manifest as a nightly archive, so
// `restore --rollback` can put it back the same way. It is read back at once (`borg extract
// --dry-run` of the whole snapshot: every chunk fetched and verified), because borg deduplicates:
// a snapshot of files the repository already holds points at the chunks it already has, damaged
// ones included. A snapshot that does not read back, or one whose repository has a failed check
// recorded, goes to a repository of its own outside it, `<state_dir>/safety/<target>` (same
// encryption and passphrase), so a rollback always has something readable to put back.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { repositoryPath } from '../config/types.js';
import { describeError } from '../errors.js';
import { manifestFormat, type Manifest, type SourceManifest } from '../archive/manifest.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import { mapPool, settle, settledValues } from '../util/pool.js';
import { rsyncPull } from '../tools/rsync/run.js';
import { archiveName, archiveTree } from '../archive/create.js';
import { readBack } from '../tools/borg/extract.js';
import { localRepoExists } from '../tools/borg/repo.js';
import { initRepo } from '../archive/repo-identity.js';
import { removeLater, rsyncVia, type RestoreContext, type RestoreStepResult } from './context.js';
import { snapshotDatabases } from './db-snapshot.js';
import { lookAtTargetRoot } from './remote-facts.js';
import { rootRefusal } from './target-root.js';
import { recordedCheckFailures } from './readiness.js';
import { saveSelection } from './selection-snapshot.js';
import { counted } from '../util/table.js';

export interface SnapshotResult {
  repository: string;
  archive: string;
  /** Why the snapshot is outside the target's repository, when it is. */
  outside?: string;
}

/** `<state_dir>/safety/<target>`: the snapshots kept outside a damaged repository. */
export function safetyRepositoryPath(stateDir: string, target: string): string {
  return join(stateDir, 'safety', target);
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
  const main = repositoryPath(ctx.global, ctx.target.name);
  const safety = safetyRepositoryPath(ctx.global.stateDir, ctx.target.name);
  const failedChecks = recordedCheckFailures(catalog, main, ctx.target.name);
  // The target's repository first, unless it is known damaged; the separate one if it does not read back.
  const places: Array<{ repository: string; outside?: string }> = failedChecks.length
    ? [{ repository: safety, outside: `${main} has a failed ${failedChecks.map((c) => c.kind).join(' and ')} check recorded` }]
    : [{ repository: main }, { repository: safety }];
  const archive = snapshotName(ctx.target.name, at);
  rmSync(pre, { recursive: true, force: true });
  mkdirSync(pre, { recursive: true });
  try {
    // In plan order in the manifest, whatever order they finish in; the first failure is thrown once all have ended.
    const sources = settledValues(await mapPool(plan.steps, SNAPSHOT_CONCURRENCY, (step) => settle(saveSource(ctx, step, join(pre, step.source)))));
    const manifest: Manifest = { format: manifestFormat(sources), host: ctx.target.name, archive, createdAt: at.toISOString(), preRestoreOf: { host: plan.host, archive: plan.archive }, sources };
    const unreadable: string[] = [];
    for (const [i, place] of places.entries()) {
      const { repository } = place;
      const outside = place.outside ?? (i > 0 ? `its copy in ${main} did not read back (${unreadable.join('; ')})` : undefined);
      await opts.beforeArchive?.(repository);
      // Created deliberately here (the guard against an unmounted disk refuses to create a host's repository behind its back).
      if (repository === safety && localRepoExists(safety) !== true) await initRepo(ctx.borg, catalog, safety);
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
      // Proven readable before the first source is replaced.
      const back = await readBack(ctx.borg, repository, archive);
      const readMs = back.durationMs;
      if (!back.ok) {
        unreadable.push(back.damaged.length ? `unreadable: ${back.damaged.join(', ')}` : (back.error ?? 'unreadable'));
        ctx.logger.warn({ repository, archive, damaged: back.damaged, error: back.error }, 'restore: the safety snapshot does not read back');
        continue;
      }
      const where = outside ? ` in ${repository}, outside the damaged repository (${outside})` : '';
      return {
        status: 'ok',
        summary: `${archive} (${counted(stats.nfiles, 'file')}, read back in ${(readMs / 1000).toFixed(1)} s)${where}`,
        details: { repository, archive, nfiles: stats.nfiles, bytes: stats.originalSize, readBackMs: readMs, outside },
        value: { repository, archive, ...(outside ? { outside } : {}) },
      };
    }
    return { status: 'failed', error: `safety snapshot: ${archive} does not read back (${unreadable.join('; ')}): nothing is overwritten without a way back` };
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
  // A granular step: exactly the selected paths.
  if (step.selection) return saveSelection(ctx, step, dest);
  // Not followed: a symlink swapped in since the readiness checklist would be pulled from where it points.
  const look = await lookAtTargetRoot(ctx.session, step.targetPath);
  const refused = rootRefusal(step.targetPath, look);
  if (refused) throw new Error(`${ctx.target.name}: ${refused}`);
  const existed = look.kind === 'directory';
  if (existed) {
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
