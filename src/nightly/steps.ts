// The nightly job of one host, as one table: every step in order, when it runs (its gate), the
// lock it holds, what it records and under which key, and what its failure stops. runner.ts walks
// it and enforces the fields; the unit tests drive the runner over it. A new step is one row.
//
// What a row's failure stops is in its fields, enforced by the runner:
// - `stops: 'rest'` (repository, connect): every later row; a missing or swapped repository or a
//   refused login stops the host before any pull;
// - `stops: 'nothing'` (dump_times): the failure is said and fails the night, the source goes on;
// - `stops: 'source'` (dump, pull, verify): the source's later rows, while the other sources go on
//   (one bad source never costs the others their night); rows `for: 'failed'` (keep_last_good) run
//   for a failed source only, and archive it with its last good state (never a half-updated
//   mirror); the archive is then partial: a warning in the summary, a comment in borg, `partial` in
//   the manifest;
// - `stops: [...]`: the named later rows (a failed repository check copies nothing off-site);
// - `needs: [...]`: a row runs only after the named rows succeeded (ok or warning) tonight, so a
//   failed or skipped archive stops the prune it owes, the check, the off-site copy and the drill.
// The other rules are the gates', read from the night's state:
// - the SSH login (connect) comes after the repository rows and alongside their background work
//   (the repository check, a first night's borg init), which needs no network;
// - an unreachable host skips its other sources (recorded: they were not backed up tonight);
// - prune (and so compact) runs only after a night without any failure, and not at its end: the
//   night owes it (schedule_prune) and the next night pays it in the background while its sources
//   are pulled, once the repository's archives were compared with the catalog and tonight's
//   repository check (when one is due) passed: either failing stops it. It prunes the same archives
//   as at the end of the night before (borg's retention counts archives, not the clock), so a
//   failure tonight cannot make it delete more, and one more archive than the policy keeps stands
//   between two nights;
// - the repository check is keyed by repository, every other check and the drill by host;
// - the repository check needs no new archive: it runs while the sources are pulled (its time is
//   hidden behind theirs), and before the archive, which waits for the repository anyway;
// - a first night's repository is created (borg init) while the sources are pulled, not after them.
//
// The drill and the off-site copy are other features: the night receives them (NightlyFeatures)
// from whoever runs it (commands/run.ts) and imports neither.
import { dueChecks } from './checks-due.js';
import { refreshIndex } from '../archive/file-index.js';
import { describeError } from '../errors.js';
import { archiveHost } from './archive.js';
import { borgContext, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import type { Gate, NightlyStep, NightlyStepName } from './step-types.js';
import { openRepo } from '../archive/repo-identity.js';
import { takeDumps } from './dumps/take.js';
import { verifyDumps } from './dumps/verify.js';
import { judgeDumpTimes } from './dumps/times.js';
import { checkHost, compactDecision, compactHost, compareArchives, pruneHost } from './maintain.js';
import { openPullConnection, pullSource } from './pull.js';
import { preflightPassphrase, tryConnect } from '../job/preflight.js';
import { recordSourceMirror, sourceMirrorState } from '../catalog/source-mirrors.js';
import { openDamage } from '../catalog/check-damage.js';
import { nightFailedSince } from '../catalog/queries.js';
import { keepLastGood } from './last-good.js';
import { measureRepository } from './repository-size.js';
import { attachBaseBackupArchive } from '../catalog/pitr.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostMirrorDir } from '../job/context.js';
import { archivedSources, failedSources, manifestEntry, partialComment, type NightState } from './state.js';

const RUN: Gate = { run: true };
const skip = (reason: string, silent = false): Gate => ({ run: false, reason, silent });
const always = () => true;

/** Once the night is interrupted or the host unreachable, a source's rows are skipped. */
function sourceGate(night: NightState): Gate {
  if (night.aborted()) return skip('interrupted', true);
  if (night.unreachable) return skip('host unreachable');
  return RUN;
}

const ROLLED_BACK = 'prune skipped: the repository does not hold every archive pullback recorded, or could not be compared with the catalog (compare_archives): nothing is deleted or compacted until that is resolved';
const CHECK_FAILED = "not copied off-site: tonight's check of the repository failed (a damaged repository is never copied)";

export const NIGHTLY_STEPS: readonly NightlyStep<NightlyStepName>[] = [
  {
    // Records: step (host): the repository is the one recorded for it (repository id in the catalog)
    // and the passphrase opens its key, found before anything is pulled. A missing (unmounted) or
    // swapped repository is never created again or written to; a wrong passphrase would otherwise
    // fail only the archive, after every pull.
    scope: 'host',
    name: 'repository',
    gate: (night) => (night.aborted() ? skip('interrupted', true) : RUN),
    lock: 'none',
    stops: 'rest',
    run: async (ctx, night) => {
      const there = await openRepo(borgContext(ctx), ctx.catalog, hostRepo(ctx), ctx.host.name, 'read');
      night.repoPresent = there === 'present';
      // A first night's repository has no key yet: borg init makes it with this passphrase.
      const wrong = night.repoPresent ? await preflightPassphrase(borgContext(ctx), hostRepo(ctx)) : undefined;
      if (wrong) return { status: 'failed', error: `preflight: ${wrong}` };
      return { status: 'ok', details: { repository: hostRepo(ctx), present: night.repoPresent } };
    },
  },
  {
    // Records: step (host); archives the catalog recorded (never pruned, not accepted as lost) that
    // borg does not list are marked vanished under (repository, name), ones listed again unmarked.
    // One `borg list` of the repository, before the prune (its deletions are recorded as pruned, so
    // it never looks like a loss). A vanished archive, or a repository borg refuses as rolled back,
    // fails the night (and status stays red until `pullback repo accept-rollback`), named with what
    // it held and that command; it stops the prune an earlier night owes (and so the compaction),
    // and nothing else: tonight's archive is worth making if borg takes it, and a rolled-back
    // repository's own refusal then says the same in plain words (its failure compacts nothing).
    scope: 'host',
    name: 'compare_archives',
    // First of the background rows (so before the prune), alongside the login and the pulls: its time is hidden behind theirs.
    background: true,
    gate: (night) => (night.aborted() ? skip('interrupted', true) : night.repoPresent ? RUN : skip('no repository yet', true)),
    lock: 'repository',
    // A repository that went back in time is the operator's to accept (its segments above the last
    // commit are the lost transaction's): no retention, and so no compaction (it needs the prune).
    stops: [{ step: 'prune', said: ROLLED_BACK }],
    run: async (ctx, night) => {
      const out = await compareArchives(ctx).catch((e: unknown) => {
        night.keepLeftovers = 'the repository could not be compared with the catalog (compare_archives)';
        throw e;
      });
      if (out.status === 'failed') night.keepLeftovers = `the repository does not hold every archive pullback recorded${out.value?.rolledBack ? ' and went back in time' : ''} (compare_archives): what lies above its last commit is left for \`pullback repo accept-rollback --host ${ctx.host.name}\` to decide`;
      return out;
    },
  },
  {
    // Records: step (host); the repository check history under (repository). Runs while the sources
    // are pulled, before the prune an earlier night owes: its failure fails the host, stops that
    // prune (retention never runs over damage a check found tonight) and the off-site copy.
    scope: 'host',
    name: 'check_repository',
    background: true,
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      if (!night.due.repository) return skip('no repository check due', true);
      // A first night's repository is created by the archive: the check row after it checks it then.
      return night.repoPresent ? RUN : skip('no repository yet', true);
    },
    lock: 'repository',
    stops: [
      { step: 'prune', said: "prune skipped: tonight's repository check failed (retention never runs over damage; it runs again after a night without failures)" },
      { step: 'offsite', said: CHECK_FAILED },
    ],
    run: async (ctx, night) => {
      const out = await checkHost(ctx, { repository: true, archives: false, verifyData: false, maxDurationSeconds: ctx.global.checks.repositoryMaxDurationSeconds });
      noteCheck(night, out);
      return out;
    },
  },
  {
    // Records: step (host) with the pruned names; archives marked pruned under (repository, name);
    // the prune paid under (repository, host) in the check history ('prune'). A failed prune stays
    // owed: the next night tries again.
    scope: 'host',
    name: 'prune',
    background: true,
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      if (!night.repoPresent) return skip('no repository yet', true);
      return night.pruneOwed ? RUN : skip('no prune owed: the last night with an archive had a failure, or its prune ran already', true);
    },
    lock: 'repository',
    stops: [],
    run: async (ctx, night) => {
      const out = await pruneHost(ctx);
      // Compact frees what prune deleted: after a prune that deleted nothing there is nothing to
      // free, and after one that freed little it waits (at most a week; nightly/compact.ts).
      night.pruned = out.status === 'ok' && (out.value?.pruned.length ?? 0) > 0;
      if (night.pruned) {
        night.compact = compactDecision(ctx, out.value!);
        if (!night.compact.run) ctx.logger.info({ step: 'compact' }, night.compact.why);
      }
      return out;
    },
  },
  {
    // Records: step (host) with why it compacted; when, under (repository) in the check history (the weekly floor).
    scope: 'host',
    name: 'compact',
    background: true,
    needs: ['prune'],
    gate: (night) => (!night.pruned ? skip('no archive was pruned', true) : night.compact && !night.compact.run ? skip(night.compact.why, true) : RUN),
    lock: 'repository',
    stops: [],
    run: (ctx, night) => compactHost(ctx, night.compact?.why),
  },
  {
    // Records: step (host): a first night's repository, created (borg init) while the sources are
    // pulled; its id in the catalog. Nothing is archived into a repository that could not be created.
    scope: 'host',
    name: 'create_repository',
    background: true,
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      return night.repoPresent === false ? RUN : skip('the repository is there', true);
    },
    lock: 'repository',
    stops: [{ step: 'archive', said: 'archive skipped: the repository could not be created (see create_repository)' }],
    run: async (ctx, night) => {
      // The same decision as the archive's: created only where nothing was and the catalog knows of none.
      // pullback's own half-made repository (a killed borg init) is moved aside first: said as a warning.
      let recreated: string | undefined;
      await openRepo(borgContext(ctx), ctx.catalog, hostRepo(ctx), ctx.host.name, 'archive', (said) => (recreated = said));
      night.repoCreated = true;
      if (recreated) return { status: 'warning', error: recreated, details: { repository: hostRepo(ctx), created: true, recreated: true } };
      return { status: 'ok', details: { repository: hostRepo(ctx), created: true } };
    },
  },
  {
    // Records: step (host): the night's shared SSH connection (its login proves the host key and the
    // pull key), or the preflight's verdict on why there is none. A refused host key or login is
    // said once and not retried (a network failure is not a refusal: the pulls retry it).
    scope: 'host',
    name: 'connect',
    alongside: true,
    gate: (night) => (night.aborted() ? skip('interrupted', true) : RUN),
    lock: 'none',
    stops: 'rest',
    run: async (ctx) => {
      // The shared connection's login is the preflight: OpenSSH checked the host key against the same
      // known_hosts and logged in with the same key. Only when it did not come up does the preflight's
      // own login (ssh2) say why: a refused host key or login fails the host here, once.
      const mux = await openPullConnection(ctx);
      if (mux) {
        // Closed by whoever runs the night (commands/run.ts), after the last row.
        ctx.sshMux = mux;
        return { status: 'ok', details: { sharedConnection: true } };
      }
      const login = await tryConnect(ctx.global, ctx.host, { signal: ctx.signal, logger: ctx.logger });
      if (login.problems.length > 0) return { status: 'failed', error: `preflight: ${login.problems.join('; ')}` };
      // No login proved, none refused (the host did not answer): no OK, and nothing stopped, since the pulls retry.
      if (login.noLogin !== undefined) return { status: 'warning', error: `no SSH login to ${ctx.host.name}: ${login.noLogin}; the pulls try again`, details: { sharedConnection: false } };
      return { status: 'ok', details: { sharedConnection: false } };
    },
  },
  {
    // Records: step (host, source); each dump under (host, source) in the dumps table.
    scope: 'source',
    name: 'dump',
    applies: (s) => s.dump !== undefined,
    for: 'good',
    gate: sourceGate,
    lock: 'none',
    stops: 'source',
    run: async (ctx, _n, s) => {
      const out = await takeDumps(ctx, s.source);
      s.taken = out.value;
      return out;
    },
  },
  {
    // Records: step (host, source) with rsync figures; the source's folder marked dirty in
    // source_mirrors (host, source) before rsync starts. A failed pull's mirror is put back to its
    // last good state (keep_last_good); an unreachable host skips its other sources (sourceGate).
    scope: 'source',
    name: 'pull',
    applies: always,
    for: 'good',
    gate: sourceGate,
    lock: 'none',
    stops: 'source',
    transfer: true,
    run: async (ctx, night, s) => {
      // Dirty before rsync may write (a crash mid-pull leaves it so, for the nights after); a pull that
      // failed without writing leaves the folder as it was.
      const before = sourceMirrorState(ctx.catalog, ctx.host.name, s.source.name);
      recordSourceMirror(ctx.catalog, ctx.host.name, s.source.name, { clean: false });
      const out = await pullSource(ctx, s.source);
      s.pull = out.value;
      // rsync ran (it reported statistics or an exit code of the transfer): the mirror may have changed.
      if (out.status === 'failed') s.mirrorTouched = out.value?.stats !== undefined;
      if (out.status === 'failed' && !s.mirrorTouched && before?.clean) recordSourceMirror(ctx.catalog, ctx.host.name, s.source.name, before);
      if (out.status === 'failed' && out.value?.unreachable) night.unreachable = true;
      return out;
    },
  },
  {
    // Records: step (host, source) with every file refused and the time it claims. A directory the
    // server's cron fills: a dump claiming a time beyond dumps.max_clock_skew ahead of this host's
    // clock is refused (verify leaves it out; no restore takes it) and fails the night, while the
    // source's other dumps are verified and archived as usual: its failure stops nothing.
    scope: 'source',
    name: 'dump_times',
    applies: (s) => s.kind === 'database' && s.dump === undefined,
    for: 'good',
    gate: sourceGate,
    lock: 'none',
    stops: 'nothing',
    run: async (ctx, _n, s) => {
      const out = await judgeDumpTimes(ctx, s.source);
      s.refusedDumps = out.value;
      return out;
    },
  },
  {
    // Records: step (host, source); verification of each dump in the dumps table. Bad pulled dumps
    // fail the source: its last good state is archived instead.
    scope: 'source',
    name: 'verify',
    applies: (s) => s.kind === 'database',
    for: 'good',
    gate: sourceGate,
    lock: 'none',
    stops: 'source',
    run: async (ctx, _n, s) => {
      const out = await verifyDumps(ctx, s.source, s.taken, s.refusedDumps);
      s.dumps = out.value;
      // Tonight's bad dump is already in the mirror.
      if (out.status === 'failed') s.mirrorTouched = true;
      return out;
    },
  },
  {
    // Records: step (host, source); the base backup in pitr_base_backups (host, source, run). A
    // source with pitr: its base backup (pg_basebackup through the SSH tunnel, read back with
    // pg_verifybackup) and the WAL since the previous one, into the mirror's .pitr/<source>/ that the
    // archive holds. Its failure fails the night and stops nothing: the previous base backup stays
    // in place and is archived again, and the source's dumps are archived as usual.
    scope: 'source',
    name: 'base_backup',
    applies: (s) => s.pitr !== undefined,
    for: 'good',
    gate: sourceGate,
    lock: 'none',
    stops: 'nothing',
    // Tonight's dumps only (as verified, with what was read from them): the directory keeps older ones.
    run: (ctx, _n, s, features) => features.baseBackup(ctx, s.source, (s.dumps ?? []).filter((d) => s.taken?.some((t) => t.file === d.file))),
  },
  {
    // Records: step (host, source): the archive whose copy of the source is archived tonight; a
    // folder put back from it clean as of it in source_mirrors (host, source). When it fails, the
    // source is left out of the archive.
    scope: 'source',
    name: 'keep_last_good',
    applies: always,
    for: 'failed',
    gate: (night) => (night.aborted() ? skip('interrupted', true) : RUN),
    lock: 'repository',
    stops: 'nothing',
    run: (ctx, _n, s) => keepLastGood(ctx, s),
  },
  {
    // Records: step (host); the archive under (repository, name) with its manifest; partial when a
    // source failed; each archived folder clean as of it in source_mirrors (host, source). The rows
    // after it need it: its failure skips the prune it owes, the check, the off-site copy and the drill.
    scope: 'host',
    name: 'archive',
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      const fresh = night.sources.filter((s) => s.status !== 'failed');
      if (fresh.length === 0) return skip('archive skipped: every source failed (no archive, no prune)');
      return RUN;
    },
    lock: 'repository',
    stops: [],
    run: async (ctx, night) => {
      const out = await archiveHost(ctx, night.sources.map(manifestEntry), new Date(), {
        included: archivedSources(night).map((s) => s.source.name),
        partial: partialComment(night),
        keepLeftovers: night.keepLeftovers,
        // The base backups and WAL of point-in-time recovery sources, when a night made them.
        extraPaths: pitrArchivePaths(ctx),
      });
      night.archive = out.value;
      if (out.value) attachBaseBackupArchive(ctx.catalog, ctx.host.name, ctx.runId, out.value.archive);
      // Each archived folder is now this archive's copy (unless borg warned: it may have missed a file).
      if (out.value && !out.value.stats.warning) {
        for (const s of archivedSources(night)) recordSourceMirror(ctx.catalog, ctx.host.name, s.source.name, { clean: true, archive: out.value.archive });
      }
      return out;
    },
  },
  {
    // Records no step: the prune tonight's archive owes, under (repository, host) in the check
    // history ('prune-owed'); the next night's prune row pays it.
    scope: 'host',
    name: 'schedule_prune',
    needs: [{ step: 'archive', said: 'prune skipped: this run created no archive' }],
    gate: (night) => {
      // The repository was not there when the night began: tonight's archive created it and is its
      // only one, which no retention policy deletes.
      if (night.repoPresent === false) return skip('nothing to prune: the repository was created tonight', true);
      const failed = failedSources(night);
      if (failed.length > 0) return skip(`prune skipped: ${failed.map((s) => s.source.name).join(', ')} failed tonight (prune runs only after a night without failures)`);
      // A dump refused for a time in the future fails the night without failing its source's pull.
      const refused = night.sources.filter((s) => (s.refusedDumps?.length ?? 0) > 0);
      if (refused.length > 0) return skip(`prune skipped: ${refused.map((s) => s.source.name).join(', ')} had dumps refused tonight (prune runs only after a night without failures)`);
      // The repository check runs beside the pulls: a failed one is a failure of the night too.
      if (night.checked === 'failed') return skip('prune skipped: the repository check failed tonight (prune runs only after a night without failures)');
      return RUN;
    },
    lock: 'none',
    recordsItself: true,
    stops: [],
    run: async (ctx) => {
      ctx.catalog.recordCheck(hostRepo(ctx), 'prune-owed', ctx.host.name, 'ok');
      ctx.logger.info({ step: 'prune' }, "the retention policy is applied to the archives as they are now at the start of the next night, while its sources are pulled");
      return { status: 'ok' };
    },
  },
  {
    // Records: step (host); check history: archives and data checks under (repository, host), the
    // repository check (when check_repository could not run it) under (repository). Its failure
    // fails the host, and nothing is copied off-site.
    scope: 'host',
    name: 'check',
    needs: ['archive'],
    gate: (night) => {
      const d = night.due;
      return repositoryLeft(night) || d.archives || d.data ? RUN : skip('no check due', true);
    },
    lock: 'repository',
    stops: [{ step: 'offsite', said: CHECK_FAILED }],
    run: async (ctx, night) => {
      const d = night.due;
      // A repository created tonight holds tonight's archive only: checked whole, with the archives
      // in the same borg check when they are due (one borg process, one lock, not two).
      const maxDurationSeconds = night.repoPresent === false ? 0 : ctx.global.checks.repositoryMaxDurationSeconds;
      const out = await checkHost(ctx, { repository: repositoryLeft(night), archives: d.archives, verifyData: d.data, maxDurationSeconds });
      noteCheck(night, out);
      return out;
    },
  },
  {
    // Records: step (host) with each target's outcome; each copy, refusal or skip under (host,
    // target) in offsite_copies. A target is copied only after a passed check, inside its window,
    // and never over a much larger copy (the off-site feature's own gate); its failure fails the host.
    scope: 'host',
    name: 'offsite',
    needs: ['archive'],
    gate: (night) => (!night.offsite || night.aborted() ? skip('no off-site targets, or interrupted', true) : RUN),
    lock: 'repository',
    stops: [],
    run: (ctx, night, features) => features.offsite(ctx, { archive: night.archive!, included: archivedSources(night).map((s) => s.source.name), comment: partialComment(night) }, night.checked),
  },
  {
    // Records (the drill feature does): the drill row (host) and the drill check history under
    // (repository, host). Its failure fails the host, an unverified drill warns.
    scope: 'host',
    name: 'drill',
    needs: ['archive'],
    gate: (night) => (night.due.drill ? RUN : skip('no drill due', true)),
    lock: 'none',
    recordsItself: true,
    stops: [],
    run: async (ctx, night, features) => {
      const out = await features.drill(ctx);
      night.checks.push('drill');
      return { status: out.status, error: out.error && `drill: ${out.error}` };
    },
  },
  {
    // Records: step (host); tonight's archive (and any the index lacks) in the host's file index
    // (catalog: index_archives, index_paths, index_versions), so the first `pullback find` of an
    // incident answers at once instead of listing every archive. Last, after everything the night
    // owes; its failure is a warning (find indexes what is missing itself) and fails nothing.
    scope: 'host',
    name: 'index',
    needs: ['archive'],
    gate: (night) => (night.aborted() ? skip('interrupted', true) : RUN),
    lock: 'repository',
    stops: [],
    run: async (ctx) => {
      const t0 = Date.now();
      try {
        const state = await refreshIndex({ ...borgContext(ctx), nice: 10 }, ctx.catalog, hostRepo(ctx), ctx.host.name);
        return { status: 'ok', value: { added: state.added, rebuilt: state.rebuilt, ms: Date.now() - t0 } };
      } catch (e) {
        return { status: 'warning', error: `file index not brought up to date (pullback find will index what it lacks): ${describeError(e)}` };
      }
    },
  },
  {
    // Records: step (host) with borg's totals; the repository's size under (repository) in
    // repository_sizes, which the report, its chart and the metrics read. Last, once the prune,
    // compaction and archive of the night are done, whether or not an archive was made tonight (a
    // prune may have freed space); its failure is a warning and stops nothing. With tonight's
    // archive, the totals its borg create printed (nothing writes after it); else borg info.
    scope: 'host',
    name: 'repository_size',
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      return night.repoPresent || night.repoCreated || night.archive ? RUN : skip('no repository yet', true);
    },
    lock: 'repository',
    stops: [],
    run: (ctx, night) => measureRepository(ctx, night.archive?.stats.repository),
  },
];

/** `.pitr` (the mirror's folder of base backups and WAL) when a source of the host has pitr and a night filled it. */
function pitrArchivePaths(ctx: HostContext): string[] {
  return ctx.host.sources.some((s) => s.pitr) && existsSync(join(hostMirrorDir(ctx.global, ctx.host.name), '.pitr')) ? ['.pitr'] : [];
}

/** The repository check is due and check_repository did not run it (a first night's new repository). */
const repositoryLeft = (night: NightState) => night.due.repository && !night.checks.includes('repository');

const CHECK_RANK = { ok: 0, skipped: 0, warning: 1, running: 2, interrupted: 3, failed: 4 } as const;

/** Folds a check's outcome into the night: the kinds that ran, and the worst status (the offsite gate). */
function noteCheck(night: NightState, out: StepOutcome<unknown>): void {
  night.checks.push(...((out.details as { kinds?: string[] } | undefined)?.kinds ?? []));
  if (night.checked === undefined || CHECK_RANK[out.status] > CHECK_RANK[night.checked]) night.checked = out.status;
}

/** Which checks are due tonight for the host (its own history; the repository check per repository). */
export function dueTonight(ctx: HostContext, now = new Date()): NightState['due'] {
  const repo = hostRepo(ctx);
  return dueChecks(ctx.global.checks, (k) => ctx.catalog.lastCheck(repo, k, ctx.host.name), now);
}

/** Whether a night without failures left a prune owed that no prune has paid since (the prune row's gate). */
export function pruneOwed(ctx: HostContext): boolean {
  const repo = hostRepo(ctx);
  const owed = ctx.catalog.lastCheck(repo, 'prune-owed', ctx.host.name);
  const paid = ctx.catalog.lastCheck(repo, 'prune', ctx.host.name);
  if (owed === undefined || (paid !== undefined && paid >= owed)) return false;
  // A night that failed (or was refused, or interrupted) since the one that owed it voids the prune:
  // retention runs only right after a night without failures, and the next such night owes it
  // again (found by the soak: after a refused night, the owed prune deleted the last good archive).
  if (nightFailedSince(ctx.catalog, ctx.host.name, owed, ctx.runId)) return false;
  // Never while the repository has an open failed check (a check after the archive that owed the
  // prune failed, or a later night's): retention would delete good archives and keep damaged ones.
  return openDamage(ctx.catalog, repo, ctx.host.name).length === 0;
}
