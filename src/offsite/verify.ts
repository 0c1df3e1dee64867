// `pullback offsite verify`: re-checks a host's copy on a target without copying anything, and
// records the result. rclone: `rclone check` of the local repository against the remote; borg:
// `borg check` of the remote repository (run by borg serve on the other side).
import { lastGoodCopy, recordOffsite, type OffsiteRecord } from '../catalog/offsite.js';
import { offsiteLocation } from '../config/types-offsite.js';
import { repositoryPath, type GlobalConfig, type OffsiteTarget } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from 'pino';
import { listArchives } from '../tools/borg/list.js';
import { checkRepo } from '../tools/borg/check.js';
import { buildCheckArgs } from '../tools/rclone/args.js';
import { runRclone } from '../tools/rclone/run.js';
import { rcloneCheckDetail, rcloneWhy, remoteSize } from './copy.js';
import { borgTargetContext, localRepoFacts } from './targets.js';

type Outcome = Pick<OffsiteRecord, 'status' | 'checkStatus' | 'checkDetail' | 'error' | 'remoteBytes' | 'remoteFiles' | 'archive'>;

/** Verifies `host`'s copy on `target` and records it; never throws (a failure is the record's status). */
export async function verifyTarget(global: GlobalConfig, catalog: Catalog, runId: number, target: OffsiteTarget, host: string, logger?: Logger, signal?: AbortSignal): Promise<OffsiteRecord> {
  const started = new Date();
  const location = offsiteLocation(target, host);
  let r: Outcome;
  try {
    r = target.kind === 'rclone' ? await rcloneVerify(global, catalog, target, host, location, logger, signal) : await borgVerify(global, target, host, location, logger, signal);
  } catch (e) {
    r = { status: 'failed', error: describeError(e) };
  }
  const ended = new Date();
  const rec: OffsiteRecord = { runId, host, target: target.name, kind: 'verify', location, startedAt: started.toISOString(), endedAt: ended.toISOString(), durationMs: ended.getTime() - started.getTime(), ...r };
  recordOffsite(catalog, rec);
  return rec;
}

async function rcloneVerify(global: GlobalConfig, catalog: Catalog, target: Extract<OffsiteTarget, { kind: 'rclone' }>, host: string, location: string, logger?: Logger, signal?: AbortSignal): Promise<Outcome> {
  const repo = repositoryPath(global, host);
  if (!localRepoFacts(repo).present) {
    return { status: 'failed', error: `the local repository ${repo} is missing: nothing to compare the copy with (pullback drill --host ${host} --from-offsite ${target.name} fetches and checks it)` };
  }
  const opts = { config: target.rcloneConfig, bwlimitBytes: target.bwlimitBytes };
  const check = await runRclone({ logger, signal }, buildCheckArgs(repo, location, opts));
  const size = await remoteSize(location, opts, { logger, signal });
  const checkDetail = rcloneCheckDetail(check);
  const archive = lastGoodCopy(catalog, host, target.name)?.archive;
  if (check.verdict.kind === 'ok') return { ...size, archive, status: 'ok', checkStatus: 'ok', checkDetail };
  // A night archived after the last copy (outside the window, say) makes differences that are no damage: say so.
  const newest = (await listArchives({ repository: global.repository, stateDir: global.stateDir, logger, signal }, repo).catch(() => [])).at(-1)?.name;
  const moved = archive && newest && newest !== archive ? ` (the local repository has moved on since the last copy, ${archive}; newest is ${newest})` : '';
  return { ...size, archive, status: 'failed', checkStatus: 'failed', checkDetail, error: `rclone check of ${location}: ${rcloneWhy(check)}${moved}` };
}

async function borgVerify(global: GlobalConfig, target: Extract<OffsiteTarget, { kind: 'borg' }>, host: string, location: string, logger?: Logger, signal?: AbortSignal): Promise<Outcome> {
  const borg = borgTargetContext(global, target, host, logger, signal);
  const check = await checkRepo(borg, { repo: location, repository: true, archives: true, verifyData: false });
  const archives = check.verdict.kind === 'failed' ? [] : await listArchives(borg, location);
  const archive = archives.at(-1)?.name;
  if (check.verdict.kind === 'failed') {
    const detail = check.problems.slice(-5).join(' | ') || check.verdict.reason;
    return { status: 'failed', checkStatus: 'failed', checkDetail: detail, error: `borg check of ${location}: ${detail}` };
  }
  return { archive, status: 'ok', checkStatus: 'ok', checkDetail: `borg check passed; ${archives.length} archive(s), newest ${archive ?? '-'}` };
}
