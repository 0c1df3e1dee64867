// One off-site copy of a host's repository to one target: rclone (sync, the
// shrink guard first, rclone check after) or borg (the night's archive created again in the
// target's repository from the same mirror, then borg check there). Each is recorded in the catalog.
import { lastGoodCopy, recordOffsite, type OffsiteRecord } from '../catalog/offsite.js';
import type { BorgTarget, OffsiteTarget, RcloneTarget } from '../config/types.js';
import { offsiteLocation } from '../config/types-offsite.js';
import { describeError, JobError } from '../errors.js';
import { maxDeleteFor, shrinkVerdict } from './decide.js';
import { checkRepo } from '../tools/borg/check.js';
import { createArchive } from '../tools/borg/create.js';
import { ensureRepo } from '../tools/borg/init.js';
import { buildCatArgs, buildCheckArgs, buildSizeArgs, buildSyncArgs } from '../tools/rclone/args.js';
import { parseRepoConfigId } from '../tools/borg/repo-id.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runRclone, type RcloneOutcome } from '../tools/rclone/run.js';
import { MANIFEST_DIR, MANIFEST_FILE } from '../archive/manifest.js';
import type { ArchiveResult } from '../archive/create.js';
import { hostMirrorDir, hostRepo, type HostContext } from '../job/context.js';
import { borgTargetContext, localRepoFacts } from './targets.js';

type Result = Omit<OffsiteRecord, 'host' | 'target' | 'kind' | 'location' | 'startedAt' | 'endedAt' | 'durationMs' | 'runId'>;

/** What a copy needs of the night: the archive it holds and, for borg targets, how it was made. */
export interface CopySource {
  archive: ArchiveResult;
  /** Sources whose folders the archive holds. */
  included: string[];
  comment?: string;
}

/** Copies the host's repository to `target` and records the attempt; never throws (a failure is the record's status). */
export async function copyToTarget(ctx: HostContext, target: OffsiteTarget, src: CopySource): Promise<OffsiteRecord> {
  const started = new Date();
  let r: Result;
  try {
    r = target.kind === 'rclone' ? await rcloneCopy(ctx, target, src) : await borgCopy(ctx, target, src);
  } catch (e) {
    r = { status: 'failed', error: describeError(e) };
  }
  const ended = new Date();
  const rec: OffsiteRecord = {
    runId: ctx.runId,
    host: ctx.host.name,
    target: target.name,
    kind: 'copy',
    location: offsiteLocation(target, ctx.host.name),
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    ...r,
  };
  recordOffsite(ctx.catalog, rec);
  return rec;
}

/** Why rclone failed, for people: its verdict and its first error lines. */
export const rcloneWhy = (o: RcloneOutcome) => (o.verdict.kind === 'failed' ? o.verdict.reason : '') + (o.errors.length ? `: ${o.errors.slice(0, 3).join(' | ')}` : '');

/** An rclone check's counts, or why it never got as far as comparing. */
export const rcloneCheckDetail = (check: RcloneOutcome) =>
  check.differences !== undefined || check.matching !== undefined ? `${check.differences ?? 0} differences, ${check.matching ?? 0} matching files` : rcloneWhy(check);

async function rcloneCopy(ctx: HostContext, target: RcloneTarget, src: CopySource): Promise<Result> {
  const repo = hostRepo(ctx);
  const remote = offsiteLocation(target, ctx.host.name);
  const local = localRepoFacts(repo);
  const last = lastGoodCopy(ctx.catalog, ctx.host.name, target.name);
  const facts = { localBytes: local.bytes, localFiles: local.files, archive: src.archive.archive };
  const opts = { config: target.rcloneConfig, bwlimitBytes: target.bwlimitBytes };
  // A different repository (re-initialised, or swapped by someone) would replace the copy's whole history.
  const ours = local.present ? parseRepoConfigId(readFileSync(join(repo, 'config'), 'utf8')) : undefined;
  const theirs = ours ? await remoteRepoId(remote, opts, ctx) : undefined;
  if (theirs && ours && theirs !== ours) {
    return {
      ...facts,
      status: 'refused',
      error: `refused to sync ${repo} to ${remote}: the off-site copy is borg repository ${theirs.slice(0, 12)}, the local one is ${ours.slice(0, 12)} (re-initialised or swapped); syncing would replace the copy's history. Move or delete the copy deliberately to start a new one`,
    };
  }
  const guard = shrinkVerdict(local, last, target.maxShrink);
  if (!guard.ok) return { ...facts, status: 'refused', error: `refused to sync ${repo} to ${remote}: ${guard.reason}` };
  // The step holds the repository's queue (no prune, compact or archive meanwhile in this process;
  // other pullback jobs are kept out by the host and run locks): the repository cannot change under the copy.
  const run = { logger: ctx.logger, signal: ctx.signal };
  const sync = await runRclone(run, buildSyncArgs(repo, remote, { ...opts, maxDelete: maxDeleteFor(last?.files, target.maxShrink) }));
  const bytes = sync.stats?.bytes;
  if (sync.verdict.kind === 'failed') return { ...facts, bytes, status: 'failed', error: `rclone sync to ${remote}: ${rcloneWhy(sync)}` };
  const check = await runRclone(run, buildCheckArgs(repo, remote, opts));
  const size = await remoteSize(remote, opts, ctx);
  const checkDetail = rcloneCheckDetail(check);
  if (check.verdict.kind === 'failed') {
    return { ...facts, ...size, bytes, status: 'failed', checkStatus: 'failed', checkDetail, error: `rclone check of ${remote} after the sync: ${rcloneWhy(check)}` };
  }
  // rclone check exits 0 when it could compare sizes only: the copy is there, but not proven byte for byte.
  if (check.unhashed) {
    const note = `${check.unhashed} file(s) compared by size only: the remote has no hash in common with the local files`;
    return { ...facts, ...size, bytes, status: 'ok', checkStatus: 'ok', checkDetail: `${checkDetail} (${note})`, warning: `rclone check of ${remote}: ${note}` };
  }
  return { ...facts, ...size, bytes, status: 'ok', checkStatus: 'ok', checkDetail };
}

/** The borg repository id of the copy at `remote` (from its config file), or undefined when there is none yet; throws when rclone fails otherwise. */
async function remoteRepoId(remote: string, opts: { config?: string }, ctx: Pick<HostContext, 'logger' | 'signal'>): Promise<string | undefined> {
  const out = await runRclone({ logger: ctx.logger, signal: ctx.signal }, buildCatArgs(`${remote.replace(/\/+$/, '')}/config`, opts));
  if (out.verdict.kind === 'ok') return parseRepoConfigId(out.stdout.join('\n'));
  // rclone cat of a missing file or directory: exit 3 (directory not found) or 4 (file not found), or "not found" said.
  if (out.result.exitCode === 3 || out.result.exitCode === 4 || out.result.stderrTail.some((l) => /not found|no such file|doesn't exist/i.test(l))) return undefined;
  throw new JobError(`rclone cat ${remote}/config: ${rcloneWhy(out)}`);
}

/** The remote's size from `rclone size --json` (nothing when it cannot tell). */
export async function remoteSize(remote: string, opts: { config?: string }, ctx: { logger?: HostContext['logger']; signal?: AbortSignal }): Promise<{ remoteBytes?: number; remoteFiles?: number }> {
  const out = await runRclone({ logger: ctx.logger, signal: ctx.signal }, buildSizeArgs(remote, opts));
  try {
    const j = JSON.parse(out.stdout.join('\n')) as { count?: number; bytes?: number };
    return { remoteBytes: j.bytes, remoteFiles: j.count };
  } catch {
    return {};
  }
}

async function borgCopy(ctx: HostContext, target: BorgTarget, src: CopySource): Promise<Result> {
  const host = ctx.host.name;
  const borg = borgTargetContext(ctx.global, target, host, ctx.logger, ctx.signal);
  const repo = offsiteLocation(target, host);
  const name = src.archive.archive;
  if (await ensureRepo(borg, repo)) ctx.logger.info({ repository: repo, target: target.name }, 'initialised the off-site borg repository');
  const stats = await createArchive(
    borg,
    {
      repo,
      archive: name,
      compression: ctx.global.repository.compression,
      paths: [...src.included, `${MANIFEST_DIR}/${MANIFEST_FILE}`],
      timestamp: src.archive.manifest.createdAt.slice(0, 19), // borg: UTC, yyyy-mm-ddThh:mm:ss
      comment: src.comment,
    },
    hostMirrorDir(ctx.global, host),
  );
  const check = await checkRepo(borg, { repo, repository: true, archives: true, verifyData: false, archive: name });
  const facts = { archive: name, bytes: stats.deduplicatedSize };
  if (check.verdict.kind === 'failed') {
    const detail = check.problems.slice(-5).join(' | ') || check.verdict.reason;
    return { ...facts, status: 'failed', checkStatus: 'failed', checkDetail: detail, error: `borg check of ${repo}::${name}: ${detail}` };
  }
  return { ...facts, status: 'ok', checkStatus: 'ok', checkDetail: `borg check of ${name} passed` };
}
