// `pullback restore`: plan, readiness checklist, confirmation, then the restore (stop writes, safety
// snapshot, sources in dependency order, start writes, post-restore checks), or its rollback, or
// a local extraction (--into). Exit 0 only when everything passed; 1 when a check or step failed
// (or readiness refused); 2 for usage errors, including no terminal to confirm on without --yes.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { borgContext } from '../job/context.js';
import { openRepo } from '../archive/repo-identity.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import type { RestoreContext } from '../restore/context.js';
import { executeRestore, type CheckPhase } from '../restore/execute.js';
import { beginStaging, stagingDir, type Staging } from '../restore/staging.js';
import { adoptEarlyStaging, beginEarlyStaging, type EarlyInput, type EarlyStaging } from '../restore/early-staging.js';
import { fromOffsite } from '../offsite/fetch.js';
import { findTarget } from '../offsite/targets.js';
import { checkInto, extractInto, localSpaceFact, prepareIntoDir } from '../restore/into.js';
import { prepareRestore, resolveAndPrepare, restoreStateDir, type ArchivedAttrs } from '../restore/prepare.js';
import { checkArchive, gatherReadiness, recordedCheckFailures, zeroedFacts } from '../restore/readiness.js';
import { beginLogin, type Login } from '../restore/login.js';
import { getRestore, RestoreRecorder, type RestoreKind } from '../restore/record.js';
import type { Values } from './spec.js';
import { repositoryPath, type HostConfig } from '../config/types.js';
import { checkArchiveArg, checkLocalPathArg, checkNameArg } from '../config/names.js';
import { parseDuration } from '../config/units.js';
import { describeError, JobError, UsageError } from '../errors.js';
import { hostLockHolder, takeHostLock } from '../lock/host-lock.js';
import type { HeldLock } from '../lock/run-lock.js';
import { formatDeletions } from '../restore/deletions.js';
import { formatChecklist, formatInterrupted, formatOutcome, formatPlan, formatStep } from '../restore/format.js';
import type { RestorePlan } from '../restore/plan.js';
import { readinessVerdict, type BackupAgeFact, type ChecklistItem } from '../restore/readiness-verdict.js';
import { assertPreflight } from '../job/preflight.js';
import { shellCommand } from '../tools/ssh/quote.js';
import { interruptedRestoreText, rollbackArgv, rollbackTarget, unresolvedInterruptedRestores } from '../catalog/interrupted-restores.js';
import { createNotifications } from '../notify/dispatch.js';
import { restoreEvent } from '../notify/event.js';
import { archiveBefore } from '../archive/facts.js';
import { parsePathArg, type RequestedPath } from '../restore/selection.js';
import { formatSelectionPreview, selectionFacts } from '../restore/selection-preview.js';
import { granular } from '../restore/steps.js';
import { restorePlanOf } from '../restore/record.js';
import { rollbackWholeCluster, type WholeClusterRecord } from './restore-at-cluster.js';
import { confirm, interruptSignal, openEnv, selectHosts, type CommandEnv, type GlobalOptions } from './common.js';

export interface RestoreOptions {
  host?: string;
  archive?: string;
  to?: string;
  only?: string[];
  /** `--map-db old=new`: the target database for a database of the archive. */
  mapDb?: Record<string, string>;
  into?: string;
  dryRun: boolean;
  yes: boolean;
  force: boolean;
  maxAgeSeconds: number;
  rollback?: number;
  /** Read the archive from this off-site target (the local repository may be gone). */
  fromOffsite?: string;
  /** `--at TIME|latest`: a point-in-time restore (restore-at.ts). */
  at?: string;
  /** `--database NAME` with `--at`: the database recovered (default: every database the source dumps). */
  database?: string;
  /** `--whole-cluster` with `--at`: the server's whole cluster replaced (restore-at-cluster.ts). */
  wholeCluster?: boolean;
  /** `--path SOURCE/REL`: a granular restore of exactly these files or folders. */
  paths?: RequestedPath[];
  /** `--delete`: inside a selected folder, delete what the archive does not hold. */
  deleteInSelection: boolean;
  /** `--before TIME`: the newest nightly archive made before it. */
  before?: Date;
}

const DEFAULT_MAX_AGE = '48h';

/** Options from the command line; throws UsageError for contradictions. */
export function restoreOptions(v: Values): RestoreOptions {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  let maxAgeSeconds: number;
  try {
    maxAgeSeconds = parseDuration(str('max-age') ?? DEFAULT_MAX_AGE);
  } catch {
    throw new UsageError(`--max-age: not a duration: ${str('max-age')} (e.g. 48h, 3d)`);
  }
  const checked = (flag: string, check: (flag: string, value: string) => string) => {
    const value = str(flag);
    return value === undefined ? undefined : check(`--${flag}`, value);
  };
  const archive = str('archive');
  const o: RestoreOptions = {
    host: checked('host', checkNameArg),
    archive: archive === 'latest' ? archive : checked('archive', checkArchiveArg),
    to: checked('to', checkNameArg),
    only: str('only')?.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => checkNameArg('--only', s)),
    into: checked('into', checkLocalPathArg),
    fromOffsite: checked('from-offsite', checkNameArg),
    dryRun: !!v['dry-run'],
    yes: !!v.yes,
    force: !!v.force,
    maxAgeSeconds,
    ...(str('at') !== undefined ? { at: str('at') } : {}),
    ...(str('database') !== undefined ? { database: checkNameArg('--database', str('database')!) } : {}),
    deleteInSelection: !!v.delete,
    ...(v['whole-cluster'] ? { wholeCluster: true } : {}),
  };
  const paths = Array.isArray(v.path) ? (v.path as string[]) : typeof v.path === 'string' ? [v.path] : [];
  if (paths.length > 0) o.paths = paths.map((p) => parsePathArg(p));
  if (str('before') !== undefined) o.before = parseBefore(str('before')!);
  if (o.paths && o.only) throw new UsageError('--path restores the paths of their own sources: it cannot be combined with --only');
  if (o.paths && o.mapDb) throw new UsageError('--path restores files: it takes no --map-db');
  if (o.deleteInSelection && !o.paths) throw new UsageError('--delete works with --path (a whole restore always deletes what the archive does not hold)');
  if (o.before && o.archive) throw new UsageError('give --archive NAME or --before TIME, not both');
  if (o.at !== undefined && (o.paths || o.before || o.archive)) throw new UsageError('--at restores a database to a point in time from base backups and WAL: it takes no --path, --archive or --before');
  const maps = Array.isArray(v['map-db']) ? (v['map-db'] as string[]) : typeof v['map-db'] === 'string' ? [v['map-db'] as string] : [];
  if (maps.length > 0) o.mapDb = parseMapDb(maps);
  const rb = str('rollback');
  if (rb !== undefined) {
    if (!/^[1-9]\d*$/.test(rb)) throw new UsageError(`--rollback takes a restore id (a number), not ${JSON.stringify(rb)}`);
    if (o.host || o.archive || o.to || o.only || o.into || o.force || o.mapDb || o.fromOffsite || o.paths || o.before || o.deleteInSelection) {
      throw new UsageError('--rollback takes no --host, --archive, --before, --to, --only, --path, --delete, --into, --map-db, --from-offsite or --force');
    }
    o.rollback = Number(rb);
  } else if (!o.host) throw new UsageError('restore needs --host NAME (or --rollback RESTORE_ID)');
  if (o.into && o.to) throw new UsageError('--into extracts locally: it cannot be combined with --to');
  if (o.wholeCluster && o.at === undefined) throw new UsageError('--whole-cluster goes with --at TIME|latest');
  if (o.wholeCluster && (o.into || o.database)) throw new UsageError('--whole-cluster replaces the whole cluster on the server: it takes no --into or --database');
  if (o.database !== undefined && o.at === undefined) throw new UsageError('--database goes with --at (a nightly restore takes --only SOURCE and --map-db)');
  if (o.at !== undefined && o.into && (o.database || o.yes)) throw new UsageError('--at with --into recovers the whole cluster into DIR: it takes no --database or --yes');
  if (o.at !== undefined && (o.archive || o.to || o.mapDb || o.fromOffsite || o.rollback)) throw new UsageError('--at chooses its base backup and WAL itself: it takes no --archive, --to, --map-db, --from-offsite or --rollback');
  return o;
}

/** `--before TIME`: an ISO date or time (`2024-05-01`, `2024-05-01T12:00Z`), or a duration ago (`2d`); throws UsageError. */
export function parseBefore(value: string, now = new Date()): Date {
  if (/^\d+\s*[a-z]+$/i.test(value.trim())) {
    try {
      return new Date(now.getTime() - parseDuration(value) * 1000);
    } catch {
      // not a duration: read as a time below
    }
  }
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new UsageError(`--before: not a time: ${JSON.stringify(value)} (e.g. 2024-05-01, 2024-05-01T12:00Z, or 2d for two days ago)`);
  return new Date(t);
}

/** `--map-db old=new` values as a map; throws UsageError for a malformed or repeated one. */
export function parseMapDb(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1) throw new UsageError(`--map-db takes OLD=NEW (a database of the archive, then its name on the target), not ${JSON.stringify(v)}`);
    const from = v.slice(0, i);
    if (from in out) throw new UsageError(`--map-db: ${JSON.stringify(from)} is mapped twice`);
    out[from] = v.slice(i + 1);
  }
  return out;
}

/** Runs `pullback restore`; returns the exit code. */
export async function restoreCommand(g: GlobalOptions, o: RestoreOptions): Promise<number> {
  const env = openEnv(g, { repositories: true });
  const interrupt = interruptSignal(env.logger);
  let lock: HeldLock | undefined;
  let login: Login | undefined;
  let early: EarlyStaging | undefined;
  try {
    // Before anything is read: the passphrase file (and, unless extracting here, the SSH files).
    assertPreflight(env.config.global, { borg: true, ssh: !o.into });
    // From an off-site copy: every later read (and a safety snapshot) uses that repository instead.
    if (o.fromOffsite) {
      const [h] = selectHosts(env.config, [o.host!]);
      const off = await fromOffsite(env.config.global, env.catalog, findTarget(env.config.global, o.fromOffsite), h!.name, env.logger, interrupt.signal);
      env.out(`Off-site: ${off.note}.`);
      env.config = { ...env.config, global: off.global };
    }
    const global = env.config.global;
    // The host's job lock, held from before anything is read until the end: a nightly run on the
    // target makes this refuse (naming it); a run started meanwhile waits for us. Dry runs and
    // local extractions (--into) change nothing on the host and take none.
    const holdTarget = (name: string) => {
      if (!o.dryRun && !o.into) lock = takeHostLock(global.stateDir, name, `${o.rollback ? 'rollback' : 'restore'} onto ${name}`).lock;
    };
    // Not for a dry run: what the restore pushes is extracted beside the plan's reads when the catalog
    // says what that is (early-staging.ts); the plan read from the archive decides whether it is kept.
    const extractEarly = (p: EarlyInput) => (o.dryRun ? undefined : beginEarlyStaging({ borg, logger: env.logger, signal: interrupt.signal }, p, stagingDir(restoreStateDir(global))));
    // Once the lock is held: the logins run beside the plan's reads of the archive (a local extraction needs none).
    const logIn = (host: HostConfig) => {
      if (!o.into) login = beginLogin(global, host, env.logger, interrupt.signal);
    };
    const borg = borgContext({ global, logger: env.logger, signal: interrupt.signal });
    if (o.rollback !== undefined) {
      const row = getRestore(env.catalog.db, o.rollback);
      if (!row) throw new UsageError(`no restore with id ${o.rollback} in the catalog`);
      const whole = (restorePlanOf(env.catalog.db, row.id) as Partial<WholeClusterRecord> | undefined)?.wholeCluster;
      if (whole && row.kind === 'restore') {
        const [target] = selectHosts(env.config, [row.target]);
        return await rollbackWholeCluster(g, env, interrupt.signal, { id: row.id, record: whole, host: target!, yes: o.yes, dryRun: o.dryRun });
      }
      if (!row.snapshotArchive || !row.snapshotRepository) throw new UsageError(`restore ${row.id} has no safety snapshot (it stopped before taking one, or it is a rollback): nothing to roll back`);
      const [target] = selectHosts(env.config, [row.target]);
      holdTarget(target!.name);
      sayInterrupted(env, g, target!.name);
      logIn(target!);
      early = extractEarly({ catalog: env.catalog, repository: row.snapshotRepository, archive: row.snapshotArchive, origin: target!, target: target! });
      const { plan, archived = new Map(), broken } = await prepareRestore(global, borg, { repository: row.snapshotRepository, archive: row.snapshotArchive, origin: target!, target: target! }).catch((e: unknown) => {
        // Only what says the archive itself is damaged: a missing repository, a lock or a passphrase is no damage.
        if (interrupt.signal.aborted || !SNAPSHOT_DAMAGE.test(describeError(e))) throw e;
        // Read back whole when it was taken, so damaged since (a check --repair drops or zero-fills what
        // borg cannot read): say so and what puts the target in a known state, not only borg's or the
        // manifest reader's words (soak seed 4242: nine rollbacks exited 1 showing no reason).
        throw new JobError(
          `the safety snapshot of restore ${row.id}, ${row.snapshotArchive} in ${row.snapshotRepository}, cannot be read: ${describeError(e)}. ` +
            `It read back whole when restore ${row.id} took it, so it was damaged since (pullback check --host ${target!.name} says where; a check --repair drops or zero-fills what borg cannot read). ` +
            `The rollback cannot put ${target!.name} back as it was before restore ${row.id}; nothing was changed. ` +
            `To put ${target!.name} in a known state, restore every source from a nightly archive (that resolves restore ${row.id} too): ${shellCommand(['pullback', '--config', g.configPath, 'restore', '--host', row.host, ...(row.host !== row.target ? ['--to', row.target] : []), '--yes'])}`,
        );
      });
      return await carryOut(g, env, o, interrupt.signal, login!, { plan, archived, broken, kind: 'rollback', rollbackOf: row.id, title: `Rollback plan of restore ${row.id}`, early });
    }
    const [origin] = selectHosts(env.config, [o.host!]);
    const [target] = o.to ? selectHosts(env.config, [o.to]) : [origin];
    // Each --path names a source of the host (checked again against the archive's listing).
    o.paths?.forEach((p) => parsePathArg(`${p.source}/${p.rel}`, origin!.sources.map((s) => s.name)));
    holdTarget(target!.name);
    if (!o.into) sayInterrupted(env, g, target!.name);
    const repository = repositoryPath(global, origin!.name);
    logIn(target!);
    await openRepo(borg, env.catalog, repository, origin!.name, 'read'); // missing or swapped: JobError, nothing created
    const into = o.into ? prepareIntoDir(o.into) : undefined;
    const guess = env.catalog.newestArchive(repository, origin!.name, nightlyGlob(origin!.name));
    // --before: the newest nightly archive made before that time, named like an explicit --archive.
    const wanted = o.before ? (await archiveBefore(borg, repository, origin!.name, o.before)).name : o.archive;
    // A granular restore extracts only its paths, once the plan knows them (staging.ts).
    if (!into && !o.paths) early = extractEarly({ catalog: env.catalog, repository, archive: o.archive !== undefined && o.archive !== 'latest' ? o.archive : guess, origin, target: target!, only: o.only, mapDb: o.mapDb });
    // With the extraction ahead running, the plan's reads have time to spare: they yield the CPU to it.
    const selection = { paths: o.paths, deleteInSelection: o.deleteInSelection };
    const prepared = await resolveAndPrepare(global, early ? { ...borg, nice: 5 } : borg, origin!.name, wanted, guess, { repository, origin, target: target!, only: o.only, mapDb: o.mapDb, extractOnly: o.into !== undefined, ...selection });
    const { plan, figures, archived = new Map(), attrs, broken, archive: { name: archive, start } } = prepared;
    const backup: BackupAgeFact = {
      host: origin!.name,
      maxAgeSeconds: o.maxAgeSeconds,
      force: o.force,
      archive: { name: archive, createdAt: plan.createdAt || start },
      lastNightly: env.catalog.lastNightly(origin!.name),
      // An older version of a few paths is what a granular restore is for: its age is said, not limited.
      ...(o.paths ? { chosen: true } : {}),
    };
    if (into) {
      env.out(formatPlan(plan, { into, now: new Date() }));
      const bytes = Object.values(figures).reduce((n, f) => n + f.bytes, 0);
      const checkHistory = { repository, failed: recordedCheckFailures(env.catalog, repository, origin!.name), override: o.force ? ('force' as const) : undefined };
      const archiveCheck = await checkArchive(borg, repository, archive);
      const facts = { now: new Date(), backup, archiveCheck, checkHistory, zeroed: await zeroedFacts(borg, env.catalog, plan, broken), writable: [], databases: [] };
      const verdict = readinessVerdict({ ...facts, space: [localSpaceFact(into, bytes, origin!.restore.spaceMargin, origin!.restore.minFreeBytes)] });
      env.out(formatChecklist('Readiness checklist:', verdict.items));
      if (o.dryRun || !verdict.ok) return done(env, o.dryRun, verdict.ok);
      await extractInto(borg, plan, into);
      const checks = checkInto(plan, into, figures);
      env.out(formatChecklist('Post-restore checks:', checks));
      return checks.every((c) => c.status === 'pass') ? 0 : 1;
    }
    return await carryOut(g, env, o, interrupt.signal, login!, { plan, archived, attrs, broken, kind: 'restore', backup, early });
  } finally {
    await early?.staging.dispose();
    await login?.close();
    lock?.release();
    interrupt.dispose();
    env.close();
  }
}

/** How reading a safety snapshot fails when the snapshot itself is damaged (or dropped by a repair). */
const SNAPSHOT_DAMAGE = /no readable \.pullback\/manifest\.json|Archive \S+ does not exist|Data integrity error|IntegrityError|not found in repository|Segment entry checksum mismatch/;

/** Earlier restores onto `target` that were interrupted and never resolved, each with its exact rollback command. */
function sayInterrupted(env: CommandEnv, g: GlobalOptions, target: string): void {
  const open = unresolvedInterruptedRestores(env.catalog, target);
  if (open.length === 0) return;
  env.out(formatInterrupted(target, open.map((r) => {
    const id = rollbackTarget(r);
    return interruptedRestoreText(r, id === undefined ? undefined : shellCommand(rollbackArgv(g.configPath, id)));
  })));
}

function done(env: CommandEnv, dryRun: boolean, ok: boolean, untouched?: readonly string[]): number {
  if (dryRun) env.out(ok ? 'Dry run: every check passed; nothing was changed.' : 'Dry run: the restore would stop at the failed checks above; nothing was changed.');
  else env.out(`Readiness failed: the restore stops here; nothing was changed${untouched?.length ? ` (untouched: ${untouched.join(', ')})` : ''}.`);
  return ok ? 0 : 1;
}

export interface Job {
  plan: RestorePlan;
  /** The archive's paths per source, read with the plan (the deletion preview's side of the archive). */
  archived: ReadonlyMap<string, ReadonlySet<string>>;
  /** With --path: the archived entries' type, size and time per source (an unchanged entry is not shown as replaced). */
  attrs?: ReadonlyMap<string, ReadonlyMap<string, ArchivedAttrs>>;
  /** The archive's items borg marks broken (all-zero replacement chunks), read with the plan. */
  broken: readonly string[];
  kind: RestoreKind;
  backup?: BackupAgeFact;
  rollbackOf?: number;
  title?: string;
  /** The extraction begun beside the plan's reads (kept when it is what the plan pushes). */
  early?: EarlyStaging;
  /** What the plan pushes, already in place and read back (dumps made now: restore --at); disposed at the end. */
  staged?: Staging;
}

/** Checklist, confirmation, execution and the closing report, shared by restores, rollbacks and restore --at (the caller holds the lock). */
export async function carryOut(g: GlobalOptions, env: CommandEnv, o: RestoreOptions, signal: AbortSignal, login: Login, job: Job): Promise<number> {
  const { plan } = job;
  const global = env.config.global;
  const target = env.config.hosts.find((h) => h.name === plan.target.name)!;
  env.out(formatPlan(plan, { title: job.title, readinessChecks: job.kind === 'restore' ? target.restore.checks.map((c) => c.name) : [], now: new Date() }));
  if (!o.dryRun && !o.yes && !process.stdin.isTTY) {
    throw new UsageError(`refusing to ${job.kind} without --yes: stdin is not a terminal to confirm on`);
  }
  // The extraction begun with the plan's reads, when it is exactly what the plan pushes; else stopped and removed.
  let staging = job.staged ?? adoptEarlyStaging(job.early, plan);
  if (job.early && !staging) await job.early.staging.dispose();
  try {
    const borg = borgContext({ global, logger: env.logger, signal });
    const base = { global, target, borg, repository: plan.repository, archive: plan.archive, workDir: '', logger: env.logger.child({ restore: target.name }), signal };
    const logged = await login.session;
    const ctx: RestoreContext | { loginError: string } = 'session' in logged ? { ...base, session: logged.session, sshMux: await login.mux } : logged;
    // Without a login the restore is refused: the checklist need not wait for an extraction.
    if ('loginError' in ctx && staging) {
      await staging.dispose();
      staging = undefined;
    }
    // Not for a dry run: everything the restore pushes is extracted from the archive (begun with the
    // plan's reads, else as soon as its check passed), beside the rest of the checklist, which waits
    // for it (staging.ts): every chunk is read and verified before anything changes. Stopped and
    // removed when the restore does not go ahead.
    const startStaging = () => {
      if (!o.dryRun && !staging) staging = beginStaging(base, plan, stagingDir(restoreStateDir(global)));
      return staging;
    };
    // A granular restore: what it changes, path by path; a path through a symlink is refused here (exit 2), nothing changed.
    if ('session' in ctx && granular(plan)) {
      const sel = await selectionFacts(ctx, plan, job.archived, job.attrs);
      if (sel.refusals.length) throw new UsageError(`cannot restore the paths asked:\n  ${sel.refusals.join('\n  ')}\nnothing was changed`);
      env.out(formatSelectionPreview(sel.previews));
    }
    const checkOverride = job.kind === 'rollback' ? ('rollback' as const) : o.force ? ('force' as const) : undefined;
    const facts = await gatherReadiness({ borg, repository: plan.repository, archive: plan.archive, plan, backup: job.backup, target: ctx, archived: job.archived, extracting: staging, onArchiveChecked: startStaging, catalog: env.catalog, checkOverride, broken: job.broken });
    const hostLock = o.dryRun ? { host: target.name, holder: hostLockHolder(global.stateDir, target.name) } : undefined;
    const verdict = readinessVerdict({ ...facts, hostLock });
    if (facts.deletions.length > 0) env.out(formatDeletions(facts.deletions, { names: o.dryRun }));
    env.out(formatChecklist('Readiness checklist:', verdict.items));
    if (o.dryRun || !verdict.ok || !('session' in ctx)) {
      if (!o.dryRun) {
        const refused = RestoreRecorder.start(env.catalog.db, { ...record(plan, job, o), plan });
        const step = refused.plan('readiness');
        refused.begin(step);
        const failed = verdict.items.filter((i) => i.status === 'fail').map((i) => `${i.name}: ${i.figure}`);
        refused.end(step, 'failed', failed.join('; '), verdict.items);
        refused.finish('refused', 'readiness checklist failed');
      }
      return done(env, o.dryRun, verdict.ok, plan.steps.map((s) => s.source));
    }
    if (!o.yes && !(await confirm(`${job.kind === 'rollback' ? 'Roll back' : 'Restore'} onto ${target.name}, overwriting what is listed above?`))) {
      env.out('Cancelled: nothing was changed.');
      return 1;
    }
    const rec = RestoreRecorder.start(env.catalog.db, { ...record(plan, job, o), plan });
    const notes = createNotifications(global.notify, { logger: env.logger, catalog: env.catalog });
    const told = { restoreId: rec.id, kind: job.kind, host: plan.host, target: target.name, archive: plan.archive };
    await notes.emit(restoreEvent('start', { ...told, status: 'running' }));
    const workDir = join(restoreStateDir(global), String(rec.id));
    mkdirSync(workDir, { recursive: true });
    try {
      const readiness = rec.plan('readiness');
      rec.begin(readiness);
      rec.end(readiness, 'ok', undefined, verdict.items);
      env.out(`${job.kind === 'rollback' ? 'Rollback' : 'Restore'} ${rec.id}:`);
      const onChecks = (phase: CheckPhase, items: ChecklistItem[]) => {
        const verifyTitle = granular(plan) ? 'Data checks:' : 'Data checks (writes still stopped):';
        if (items.length) env.out(formatChecklist(phase === 'verify' ? verifyTitle : 'Readiness checks (after start_writes):', items));
      };
      const result = await executeRestore({ ...ctx, workDir }, plan, { snapshot: job.kind === 'restore', configuredChecks: job.kind === 'restore', catalog: env.catalog, recorder: rec, onStep: (l) => env.out(formatStep(l)), onChecks, progress: env.progress, staging });
      rec.finish(result.status, result.stoppedAt?.error);
      await notes.emit(restoreEvent('end', { ...told, status: result.status, error: result.stoppedAt?.error }));
      const rollbackCommand = result.snapshot ? shellCommand(rollbackArgv(g.configPath, rec.id)) : undefined;
      env.out('');
      const unverified = [...result.verified, ...result.checks].filter((c) => c.status === 'warn');
      const snapshotRepository = result.snapshot?.outside ? result.snapshot.repository : undefined;
      env.out(formatOutcome({ ...result, restoreId: rec.id, kind: job.kind, target: target.name, snapshot: result.snapshot?.archive, snapshotRepository, rollbackCommand, unverified }));
      return result.status === 'ok' ? 0 : 1;
    } catch (e) {
      rec.finish(signal.aborted ? 'interrupted' : 'failed', describeError(e));
      await notes.emit(restoreEvent('end', { ...told, status: signal.aborted ? 'interrupted' : 'failed', error: describeError(e) }));
      throw e;
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  } finally {
    await staging?.dispose();
  }
}

function record(plan: RestorePlan, job: Job, o: RestoreOptions) {
  return { kind: job.kind, host: plan.host, target: plan.target.name, repository: plan.repository, archive: plan.archive, only: o.only, rollbackOf: job.rollbackOf };
}

