// The nightly job of one host, as one table: every step in order, when it runs (its gate), the
// lock it holds, what it records and under which key, and what its failure stops. runner.ts walks
// it; the gates are unit-tested by reading this table. A new step is one row.
//
// The rules the rows encode:
// - the repository is checked first: a missing or swapped one stops the host before any pull;
// - the SSH login (connect) comes after the repository rows and alongside their background work
//   (the repository check, a first night's borg init), which needs no network: a refused key stops
//   the host before any pull;
// - a source's steps stop at its first failure; the other sources go on (one bad source never
//   costs the others their night);
// - a failed source is archived with its last good state (never a half-updated mirror), and the
//   archive is then partial: a warning in the summary, a comment in borg, `partial` in the manifest;
// - prune (and so compact) runs only after a night without any failure, and not at its end: the
//   night owes it (schedule_prune) and the next night pays it first thing, in the background while
//   its sources are pulled. It prunes the same archives as at the end of the night before (borg's
//   retention counts archives, not the clock), so a failure tonight cannot make it delete more, and
//   one more archive than the policy keeps stands between two nights;
// - the repository check is keyed by repository, every other check and the drill by host;
// - the repository check needs no new archive: it runs while the sources are pulled (its time is
//   hidden behind theirs), and before the archive, which waits for the repository anyway;
// - a first night's repository is created (borg init) while the sources are pulled, not after them.
import type { SourceConfig } from '../config/types.js';
import { dueChecks } from './checks-due.js';
import { archiveHost } from './archive.js';
import { borgContext, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import { openRepo } from '../archive/repo-identity.js';
import { takeDumps } from './dumps/take.js';
import { verifyDumps } from './dumps/verify.js';
import { checkHost, compactDecision, compactHost, pruneHost } from './maintain.js';
import { offsiteHost } from '../offsite/night.js';
import { openPullConnection, pullSource } from './pull.js';
import { preflightConnect, preflightPassphrase } from '../job/preflight.js';
import { recordSourceMirror, sourceMirrorState } from '../catalog/source-mirrors.js';
import { keepLastGood } from './last-good.js';
import { archivedSources, failedSources, manifestEntry, partialComment, type NightState, type SourceState } from './state.js';

/** A gate's verdict: run, or skip (recorded as a skipped step with the reason, unless `silent`). */
export type Gate = { run: true } | { run: false; reason: string; silent?: boolean };

export interface NightlyHooks {
  /** Runs a drill when one is due; returns the step's status and, when it did not pass, why. */
  drill?: (ctx: HostContext) => Promise<{ status: StepOutcome['status']; error?: string }>;
}

interface Common {
  /** The step name recorded in the catalog (`steps.step`). */
  name: string;
  /** A failure of this step stops the host's night: every later step is skipped. */
  stopsHost?: boolean;
  /** The step records its own catalog step (the drill hook does): the runner only folds its status. */
  recordsItself?: boolean;
  /**
   * A host row that runs alongside the source rows after it (it needs nothing they produce); the
   * runner joins it before the next host row, so every later gate sees its outcome.
   */
  background?: boolean;
  /**
   * A host row that needs nothing the background rows produce (it does not touch the repository):
   * it runs while they go on, instead of joining them first.
   */
  alongside?: boolean;
  /** `repository`: queued so one writer at a time touches a repository (hosts may share one). */
  lock: 'none' | 'repository';
  /** What the step records and under which key, for people reading the table. */
  records: string;
  /** What its failure stops, for people reading the table (the runner applies it). */
  onFailure: string;
}

export interface SourceStep extends Common {
  scope: 'source';
  /** Whether the row exists for this source at all (not recorded when false). */
  applies: (s: SourceConfig) => boolean;
  gate: (night: NightState, s: SourceState) => Gate;
  run: (ctx: HostContext, night: NightState, s: SourceState) => Promise<StepOutcome<unknown>>;
}

export interface HostStep extends Common {
  scope: 'host';
  gate: (night: NightState, hooks: NightlyHooks) => Gate;
  run: (ctx: HostContext, night: NightState, hooks: NightlyHooks) => Promise<StepOutcome<unknown>>;
}

export type NightlyStep = SourceStep | HostStep;

const RUN: Gate = { run: true };
const skip = (reason: string, silent = false): Gate => ({ run: false, reason, silent });
const always = () => true;

/** Sources stop at their first failure; once the host is unreachable its other sources are skipped. */
function sourceGate(night: NightState, s: SourceState): Gate {
  if (night.aborted()) return skip('interrupted', true);
  if (s.status === 'failed') return skip(`${s.source.name} already failed`, true);
  if (night.unreachable) return skip('host unreachable');
  return RUN;
}

export const NIGHTLY_STEPS: readonly NightlyStep[] = [
  {
    scope: 'host',
    name: 'repository',
    gate: (night) => (night.aborted() ? skip('interrupted', true) : RUN),
    lock: 'none',
    stopsHost: true,
    records: "step (host): the repository is the one recorded for it (repository id in the catalog) and the passphrase opens its key, found before anything is pulled",
    onFailure: 'the whole night of the host: a missing (unmounted) or swapped repository is never created again or written to; a wrong passphrase would fail only the archive, after every pull',
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
    scope: 'host',
    name: 'prune',
    background: true,
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      if (!night.repoPresent) return skip('no repository yet', true);
      return night.pruneOwed ? RUN : skip('no prune owed: the last night with an archive had a failure, or its prune ran already', true);
    },
    lock: 'repository',
    records: "step (host) with the pruned names; archives marked pruned under (repository, name); the prune paid under (repository, host) in the check history ('prune')",
    onFailure: 'compact (the prune stays owed: the next night tries again)',
    run: async (ctx, night) => {
      const out = await pruneHost(ctx);
      // Compact frees what prune deleted: after a prune that deleted nothing there is nothing to
      // free, and after one that freed little it waits (at most a week; plan/compact.ts).
      night.pruned = out.status === 'ok' && (out.value?.pruned.length ?? 0) > 0;
      if (night.pruned) {
        night.compact = compactDecision(ctx, out.value!);
        if (!night.compact.run) ctx.logger.info({ step: 'compact' }, night.compact.why);
      }
      return out;
    },
  },
  {
    scope: 'host',
    name: 'compact',
    background: true,
    gate: (night) => (!night.pruned ? skip('no archive was pruned', true) : night.compact && !night.compact.run ? skip(night.compact.why, true) : RUN),
    lock: 'repository',
    records: 'step (host) with why it compacted; when, under (repository) in the check history (the weekly floor)',
    onFailure: 'nothing',
    run: (ctx, night) => compactHost(ctx, night.compact?.why),
  },
  {
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
    records: 'step (host); the repository check history under (repository); runs while the sources are pulled',
    onFailure: 'nothing (the host fails); the offsite step copies nothing',
    run: async (ctx, night) => {
      const out = await checkHost(ctx, { repository: true, archives: false, verifyData: false, maxDurationSeconds: ctx.global.checks.repositoryMaxDurationSeconds });
      noteCheck(night, out);
      return out;
    },
  },
  {
    scope: 'host',
    name: 'create_repository',
    background: true,
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      return night.repoPresent === false ? RUN : skip('the repository is there', true);
    },
    lock: 'repository',
    records: "step (host): a first night's repository, created (borg init) while the sources are pulled; its id in the catalog",
    onFailure: 'the archive and everything after it: nothing is archived into a repository that could not be created',
    run: async (ctx, night) => {
      // The same decision as the archive's: created only where nothing was and the catalog knows of none.
      await openRepo(borgContext(ctx), ctx.catalog, hostRepo(ctx), ctx.host.name, 'archive');
      night.repoCreated = true;
      return { status: 'ok', details: { repository: hostRepo(ctx), created: true } };
    },
  },
  {
    scope: 'host',
    name: 'connect',
    alongside: true,
    gate: (night) => (night.aborted() ? skip('interrupted', true) : RUN),
    lock: 'none',
    stopsHost: true,
    records: "step (host): the night's shared SSH connection (its login proves the host key and the pull key), or the preflight's verdict on why there is none",
    onFailure: 'the whole night of the host: a refused host key or login is said once and not retried (a network failure is not a refusal: the pulls retry it)',
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
      const problems = await preflightConnect(ctx.global, ctx.host, { signal: ctx.signal, logger: ctx.logger });
      if (problems.length > 0) return { status: 'failed', error: `preflight: ${problems.join('; ')}` };
      return { status: 'ok', details: { sharedConnection: false } };
    },
  },
  {
    scope: 'source',
    name: 'dump',
    applies: (s) => s.dump !== undefined,
    gate: sourceGate,
    lock: 'none',
    records: 'step (host, source); each dump under (host, source) in the dumps table',
    onFailure: "the source: its pull and verify are skipped; it is archived with its last good state",
    run: async (ctx, _n, s) => {
      const out = await takeDumps(ctx, s.source);
      s.taken = out.value;
      return out;
    },
  },
  {
    scope: 'source',
    name: 'pull',
    applies: always,
    gate: sourceGate,
    lock: 'none',
    records: 'step (host, source) with rsync figures; the source\'s folder marked dirty in source_mirrors (host, source) before rsync starts',
    onFailure: 'the source (its mirror is put back to its last good state); an unreachable host skips its other sources',
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
    scope: 'source',
    name: 'verify',
    applies: (s) => s.kind === 'database',
    gate: sourceGate,
    lock: 'none',
    records: 'step (host, source); verification of each dump in the dumps table',
    onFailure: 'the source: the pulled dumps are bad, so its last good state is archived instead',
    run: async (ctx, _n, s) => {
      const out = await verifyDumps(ctx, s.source, s.taken);
      s.dumps = out.value;
      // Tonight's bad dump is already in the mirror.
      if (out.status === 'failed') s.mirrorTouched = true;
      return out;
    },
  },
  {
    scope: 'source',
    name: 'keep_last_good',
    applies: always,
    gate: (night, s) => (s.status === 'failed' && !night.aborted() ? RUN : skip('the source did not fail', true)),
    lock: 'repository',
    records: "step (host, source): the archive whose copy of the source is archived tonight; a folder put back from it clean as of it in source_mirrors (host, source)",
    onFailure: 'the source is left out of the archive',
    run: (ctx, _n, s) => keepLastGood(ctx, s),
  },
  {
    scope: 'host',
    name: 'archive',
    gate: (night) => {
      if (night.aborted()) return skip('interrupted', true);
      const fresh = night.sources.filter((s) => s.status !== 'failed');
      if (fresh.length === 0) return skip('archive skipped: every source failed (no archive, no prune)');
      if (night.repoPresent === false && !night.repoCreated) return skip('archive skipped: the repository could not be created (see create_repository)');
      return RUN;
    },
    lock: 'repository',
    records: 'step (host); the archive under (repository, name) with its manifest; partial when a source failed; each archived folder clean as of it in source_mirrors (host, source)',
    onFailure: 'prune, compact, checks and the drill',
    run: async (ctx, night) => {
      const out = await archiveHost(ctx, night.sources.map(manifestEntry), new Date(), {
        included: archivedSources(night).map((s) => s.source.name),
        partial: partialComment(night),
      });
      night.archive = out.value;
      // Each archived folder is now this archive's copy (unless borg warned: it may have missed a file).
      if (out.value && !out.value.stats.warning) {
        for (const s of archivedSources(night)) recordSourceMirror(ctx.catalog, ctx.host.name, s.source.name, { clean: true, archive: out.value.archive });
      }
      return out;
    },
  },
  {
    scope: 'host',
    name: 'schedule_prune',
    gate: (night) => {
      if (!night.archive) return skip('prune skipped: this run created no archive');
      // The repository was not there when the night began: tonight's archive created it and is its
      // only one, which no retention policy deletes.
      if (night.repoPresent === false) return skip('nothing to prune: the repository was created tonight', true);
      const failed = failedSources(night);
      if (failed.length > 0) return skip(`prune skipped: ${failed.map((s) => s.source.name).join(', ')} failed tonight (prune runs only after a night without failures)`);
      return RUN;
    },
    lock: 'none',
    recordsItself: true,
    records: "no step: the prune tonight's archive owes, under (repository, host) in the check history ('prune-owed'); the next night's prune row pays it",
    onFailure: 'nothing',
    run: async (ctx) => {
      ctx.catalog.recordCheck(hostRepo(ctx), 'prune-owed', ctx.host.name, 'ok');
      ctx.logger.info({ step: 'prune' }, "the retention policy is applied to the archives as they are now at the start of the next night, while its sources are pulled");
      return { status: 'ok' };
    },
  },
  {
    scope: 'host',
    name: 'check',
    gate: (night) => {
      if (!night.archive) return skip('no archive tonight', true);
      const d = night.due;
      return repositoryLeft(night) || d.archives || d.data ? RUN : skip('no check due', true);
    },
    lock: 'repository',
    records: 'step (host); check history: archives and data checks under (repository, host), the repository check (when check_repository could not run it) under (repository)',
    onFailure: 'nothing (the host fails)',
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
    scope: 'host',
    name: 'offsite',
    gate: (night) => {
      if (!night.offsite || !night.archive || night.aborted()) return skip('no off-site targets, or no archive tonight', true);
      if (night.checked === 'failed' || night.checked === 'interrupted') return skip(`not copied off-site: tonight's check of the repository ${night.checked} (a damaged repository is never copied)`);
      return RUN;
    },
    lock: 'repository',
    records: 'step (host) with each target\'s outcome; each copy, refusal or skip under (host, target) in offsite_copies',
    onFailure: 'nothing (the host fails): a target is copied only after a passed check, inside its window, and never over a much larger copy',
    run: (ctx, night) => offsiteHost(ctx, { archive: night.archive!, included: archivedSources(night).map((s) => s.source.name), comment: partialComment(night) }, night.checked),
  },
  {
    scope: 'host',
    name: 'drill',
    gate: (night, hooks) => (night.archive && night.due.drill && hooks.drill ? RUN : skip('no drill due', true)),
    lock: 'none',
    recordsItself: true,
    records: 'the drill row (host) and the drill check history under (repository, host)',
    onFailure: 'nothing (the host fails or warns)',
    run: async (ctx, night, hooks) => {
      const out = await hooks.drill!(ctx);
      night.checks.push('drill');
      return { status: out.status, error: out.error && `drill: ${out.error}` };
    },
  },
];

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
  return owed !== undefined && (paid === undefined || paid < owed);
}
