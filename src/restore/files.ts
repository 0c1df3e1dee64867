// Restoring a folder source (blobs, data, or a dump folder without recorded dumps): the source is
// extracted from the archive into staging, then pushed with rsync so the target path becomes an
// exact copy of the archived tree (deletions included), except what the source excludes: the backup
// never held those files, so the push neither sends nor deletes them.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import { extractArchive } from '../tools/borg/extract.js';
import { rsyncPush } from '../tools/rsync/push.js';
import { remoteRun } from '../tools/ssh/remote.js';
import { removeLater, rsyncVia, type RestoreContext, type RestoreStepResult } from './context.js';
import { isGated, lookAtTargetRoot } from './remote-facts.js';
import { rootRefusal } from './target-root.js';
import type { Staging } from './staging.js';
import { counted } from '../util/table.js';

/** Extracts folder `source` of the context's archive into `<workDir>/stage/<source>` (created empty if the archive has none). */
export async function stageSource(ctx: RestoreContext, source: string): Promise<string> {
  const stage = join(ctx.workDir, 'stage');
  const dir = join(stage, source);
  rmSync(dir, { recursive: true, force: true });
  await extractArchive(ctx.borg, ctx.repository, ctx.archive, stage, { prefix: [source] });
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Pushes a local folder to `targetPath` on the target, leaving files matching `exclude` alone;
 * never throws. A source's folder (`folder`, the default) is looked at again first (not followed:
 * a symlink swapped in since the readiness checklist is refused, nothing changed) and created when
 * missing; a key with a shell checks it again in the push's own remote command (guardedRsyncPath),
 * pullback-gate on its own. The restore's own fresh temp dir (`folder: false`) is only created.
 */
export async function pushTree(ctx: RestoreContext, from: string, targetPath: string, exclude: readonly string[] = [], o: { folder?: boolean } = {}): Promise<RestoreStepResult> {
  const folder = o.folder ?? true;
  try {
    const look = folder ? await lookAtTargetRoot(ctx.session, targetPath) : undefined;
    const refused = look && rootRefusal(targetPath, look);
    if (refused) return { status: 'failed', error: `${ctx.target.name}: ${refused}; nothing was pushed`, changed: false };
    if (look?.kind !== 'directory') await remoteRun(ctx.session, ['mkdir', '-p', '--', targetPath], `cannot create ${targetPath} on ${ctx.target.name}`, { signal: ctx.signal });
  } catch (e) {
    return { status: 'failed', error: describeError(e) };
  }
  const out = await rsyncPush(ctx.global, ctx.target, from, targetPath, { exclude, guardRoot: folder && !isGated(ctx.session), ...rsyncVia(ctx) });
  const details = { targetPath, exitCode: out.last.exitCode, attempts: out.attempts, stats: out.stats };
  if (out.verdict.kind !== 'ok') {
    return { status: 'failed', error: `push to ${ctx.target.name}:${targetPath}: ${'reason' in out.verdict ? out.verdict.reason : ''}`, details, ...(out.rootRefused ? { changed: false } : {}) };
  }
  return { status: 'ok', summary: `${counted(out.stats.filesTransferred, 'file')} sent, ${out.stats.deleted} deleted`, details };
}

/**
 * Restores one folder source from the archive onto `targetPath` (files matching `exclude` kept);
 * never throws. The source comes from `staging` when it was extracted ahead, else it is extracted now.
 */
export async function restoreFolder(ctx: RestoreContext, source: string, targetPath: string, exclude: readonly string[] = [], staging?: Staging): Promise<RestoreStepResult> {
  let dir: string;
  try {
    const ahead = staging && staging.ahead.includes(source) && (await staging.settled());
    dir = staging && ahead ? staging.dirOf(source) : await stageSource(ctx, source);
  } catch (e) {
    return { status: 'failed', error: `extracting ${source} from ${ctx.archive}: ${describeError(e)}` };
  }
  try {
    return await pushTree(ctx, dir, targetPath, exclude);
  } finally {
    removeLater(ctx, dir);
  }
}
