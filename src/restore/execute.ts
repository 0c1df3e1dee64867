// Carrying out a restore plan once the readiness checklist passed, as one table of steps
// (RESTORE_STEPS): stop writes, safety snapshot, each source in the plan's order (stopping at the
// first failure), the data checks (while writes are still stopped: what the application writes
// next cannot make a correct restore look wrong), start writes (always), then the readiness probes.
// Every step is recorded in the catalog before, while and after it runs.
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { describeError } from '../errors.js';
import { restoreWaves } from './order.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import type { ChecklistItem } from './readiness-verdict.js';
import type { RestoreContext, RestoreStepResult } from './context.js';
import { restoreDatabaseStep } from './db-restore.js';
import { restoreFolder } from './files.js';
import { dataChecks, readinessChecks } from './post-checks.js';
import type { RestoreRecorder } from './record.js';
import { takeSafetySnapshot, type SnapshotResult } from './snapshot.js';
import { beginStaging, type Staging } from './staging.js';
import { runWriteHooks } from './write-hooks.js';
import type { Progress, ProgressTask } from '../progress/progress.js';

export interface ExecuteOptions {
  /** Take a safety snapshot first (false for rollbacks). */
  snapshot: boolean;
  /** Run the host's restore.checks (false for rollbacks: the state before a restore need not pass them). */
  configuredChecks: boolean;
  catalog: Catalog;
  recorder: RestoreRecorder;
  /** Called with each finished step, for people watching. */
  onStep?: (line: StepLine) => void;
  /** Called with each finished phase of checks (data checks, then readiness probes), for people watching. */
  onChecks?: (phase: CheckPhase, items: ChecklistItem[]) => void;
  /** A bar showing step n of m while the restore runs. */
  progress?: Progress;
  /** The folder sources already being extracted (begun with the readiness checklist; the caller disposes of it); else begun here. */
  staging?: Staging;
}

/** `verify`: the data checks, before writes resume; `checks`: the readiness probes, after. */
export type CheckPhase = 'verify' | 'checks';

export interface StepLine {
  kind: string;
  source?: string;
  status: 'ok' | 'warning' | 'failed' | 'skipped' | 'interrupted';
  detail?: string;
}

export interface ExecuteResult {
  status: 'ok' | 'failed' | 'interrupted';
  snapshot?: SnapshotResult;
  /** Sources restored completely, in order. */
  restored: string[];
  /** The step that failed or was interrupted; `changed` as its result says (false: it left the target as it was). */
  stoppedAt?: { kind: string; source?: string; error: string; changed?: boolean | 'possibly' };
  /** Sources not touched at all. */
  untouched: string[];
  /** Sources of the archive that `--only` left out (untouched too, by choice). */
  notSelected: string[];
  /** The data checks (rows against the dump, files against the archive), made before writes resumed. */
  verified: ChecklistItem[];
  /** The readiness probes (restore.checks), made after writes resumed. */
  checks: ChecklistItem[];
  /** Steps that ended with a warning, as `kind source: detail`. */
  warnings: string[];
  startWrites?: StepLine;
}

/** What the restore's rows read and write while it runs. */
interface RestoreRun {
  ctx: RestoreContext;
  plan: RestorePlan;
  opts: ExecuteOptions;
  result: ExecuteResult;
  /** A step failed or was interrupted: the rows after it run only if they always run. */
  stopped: boolean;
  /** Outcome of start_writes (its failure fails an otherwise good restore). */
  started?: RestoreStepResult;
}

/** One row of the restore: when it runs, what it records, what its failure stops. */
interface RestoreRow {
  kind: 'stop_writes' | 'snapshot' | 'sources' | 'verify' | 'start_writes' | 'checks';
  /** Runs whatever happened before (start_writes: the application must come back either way). */
  always?: boolean;
  /** Whether the row is part of this restore at all (no snapshot for a rollback). */
  applies: (r: RestoreRun) => boolean;
  records: string;
  onFailure: string;
}

/** The restore, in order. executeRestore walks it; a new step is one row (and its case below). */
export const RESTORE_STEPS: readonly RestoreRow[] = [
  { kind: 'stop_writes', applies: () => true, records: 'restore step stop_writes', onFailure: 'everything but start_writes: nothing is changed' },
  { kind: 'snapshot', applies: (r) => r.opts.snapshot, records: "restore step snapshot; the snapshot archive on the restore's row (its rollback)", onFailure: 'every source: nothing is overwritten without a way back' },
  { kind: 'sources', applies: () => true, records: 'one restore step per source, in dependency order (database, blobs, data); folders of one kind pushed at once when apart', onFailure: 'the sources after it (they stay untouched); pushes already running beside it end first' },
  { kind: 'verify', applies: () => true, records: 'restore step verify with each data check (rows against the dump, files against the archive), before writes resume', onFailure: 'nothing (start_writes and the readiness probes still run); the restore fails' },
  { kind: 'start_writes', always: true, applies: () => true, records: 'restore step start_writes (every command tried)', onFailure: 'nothing; the restore fails' },
  { kind: 'checks', applies: () => true, records: 'restore step checks with each readiness probe (restore.checks)', onFailure: 'nothing; the restore fails' },
];

/** Runs the plan by RESTORE_STEPS; never throws for the restore's own failures (they are in the result and the catalog). */
export async function executeRestore(ctx: RestoreContext, plan: RestorePlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const bar = opts.progress?.enabled ? opts.progress.task(`restore ${ctx.target.name}`) : undefined;
  // The folder sources are extracted from the archive while the first rows run (staging.ts).
  const run: RestoreContext = { ...ctx, pending: [], present: new Set() };
  const staging = opts.staging ?? beginStaging(run, plan, join(ctx.workDir, 'stage'));
  try {
    return await runRestoreSteps(run, plan, opts, bar, staging);
  } finally {
    if (!opts.staging) await staging.dispose();
    await Promise.all(run.pending!);
    bar?.done();
  }
}

async function runRestoreSteps(ctx: RestoreContext, plan: RestorePlan, opts: ExecuteOptions, bar: ProgressTask | undefined, staging: Staging): Promise<ExecuteResult> {
  const rec = opts.recorder;
  const result: ExecuteResult = { status: 'ok', restored: [], untouched: plan.steps.map((s) => s.source), notSelected: plan.notSelected ?? [], verified: [], checks: [], warnings: [] };
  const r: RestoreRun = { ctx, plan, opts, result, stopped: false };
  const rows = RESTORE_STEPS.filter((row) => row.applies(r));
  // Every step is in the catalog as pending before the first one runs, so an interruption shows what was left.
  const ids = new Map<string, number>();
  for (const row of rows) {
    if (row.kind === 'sources') plan.steps.forEach((s) => ids.set(`sources:${s.source}`, rec.plan(s.kind, s.source)));
    else ids.set(row.kind, rec.plan(row.kind));
  }
  const interrupted = () => ctx.signal?.aborted === true;
  let stepNo = 0;
  const progressed = (kind: string, source?: string) => {
    stepNo++;
    bar?.update(stepNo, ids.size, `step ${stepNo} of ${ids.size}: ${kind}${source ? ` ${source}` : ''}`);
  };

  const record = async (id: number, kind: string, source: string | undefined, fn: () => Promise<RestoreStepResult>): Promise<boolean> => {
    rec.begin(id);
    progressed(kind, source);
    let out: RestoreStepResult;
    try {
      out = await fn();
    } catch (e) {
      out = { status: 'failed', error: describeError(e) };
    }
    const status = out.status !== 'ok' && interrupted() ? 'interrupted' : out.status;
    rec.end(id, status, out.error, out.details);
    opts.onStep?.({ kind, source, status, detail: out.error ?? out.summary });
    if (status === 'warning') result.warnings.push(`${kind}${source ? ` ${source}` : ''}: ${out.error ?? out.summary ?? 'warning'}`);
    if (status === 'ok' || status === 'warning') return true;
    result.status = status === 'interrupted' ? 'interrupted' : 'failed';
    // The first failure is where the restore stopped (two pushes of one wave may both fail).
    result.stoppedAt ??= { kind, source, error: out.error ?? status, changed: out.changed };
    if (source !== undefined && out.changed === false) result.untouched.unshift(source);
    return false;
  };

  for (const row of rows) {
    const id = ids.get(row.kind);
    if (r.stopped && !row.always) {
      if (row.kind === 'checks' || row.kind === 'verify') rec.end(id!, 'skipped', 'the restore did not complete');
      continue;
    }
    switch (row.kind) {
      case 'stop_writes':
        r.stopped = !(await record(id!, row.kind, undefined, async () =>
          ctx.target.restore.stopWrites.length ? runWriteHooks(ctx, ctx.target.restore.stopWrites, { signal: ctx.signal }) : { status: 'ok', summary: 'no restore.stop_writes configured' },
        ));
        break;
      case 'snapshot':
        r.stopped = !(await record(id!, row.kind, undefined, async () => {
          // borg create waits for borg's lock, which the extraction from the same repository holds until it ends.
          const snap = await takeSafetySnapshot(ctx, plan, opts.catalog, { beforeArchive: (repo) => (repo === ctx.repository ? staging.settled() : Promise.resolve()) });
          if (snap.value) {
            result.snapshot = snap.value;
            rec.setSnapshot(snap.value.repository, snap.value.archive);
          }
          return snap;
        }));
        break;
      case 'sources':
        // In dependency order, wave after wave; a wave's folder pushes run at once (plan/restore-order.ts).
        // A failure stops the waves after it; the rest of its own wave, already running, ends first.
        for (const wave of restoreWaves(plan.steps)) {
          if (r.stopped || interrupted()) break;
          const oks = await Promise.all(
            wave.map((step) => {
              result.untouched = result.untouched.filter((n) => n !== step.source);
              return record(ids.get(`sources:${step.source}`)!, step.kind, step.source, () => restoreStep(ctx, step, staging));
            }),
          );
          wave.forEach((step, i) => oks[i] && result.restored.push(step.source));
          if (oks.includes(false)) r.stopped = true;
        }
        if (!r.stopped && interrupted()) {
          result.status = 'interrupted';
          result.stoppedAt = { kind: 'restore', error: 'interrupted by a signal' };
          r.stopped = true;
        }
        break;
      case 'start_writes': {
        // Also after a failure or a signal (no signal passed: every command is tried).
        rec.begin(id!);
        progressed(row.kind);
        const hooks = ctx.target.restore.startWrites;
        const started = hooks.length ? await runWriteHooks(ctx, hooks, { keepGoing: true }) : { status: 'ok' as const, summary: 'no restore.start_writes configured' };
        rec.end(id!, started.status, started.error, started.details);
        result.startWrites = { kind: 'start_writes', status: started.status, detail: started.error ?? started.summary };
        opts.onStep?.(result.startWrites);
        r.started = started;
        if (started.status === 'failed' && result.status === 'ok') {
          result.status = 'failed';
          result.stoppedAt ??= { kind: 'start_writes', error: started.error ?? 'failed' };
        }
        break;
      }
      case 'verify':
      case 'checks': {
        // verify: before start_writes, so the rows counted are the restored ones, not the application's next writes.
        rec.begin(id!);
        progressed(row.kind);
        const items = row.kind === 'verify' ? await dataChecks(ctx, plan) : opts.configuredChecks ? await readinessChecks(ctx, plan) : [];
        if (row.kind === 'verify') result.verified = items;
        else result.checks = items;
        const failed = items.filter((c) => c.status === 'fail').length;
        const warned = items.filter((c) => c.status === 'warn').length;
        const what = row.kind === 'verify' ? 'data check(s)' : 'readiness check(s)';
        const status = failed ? 'failed' : warned ? 'warning' : 'ok';
        const none = row.kind === 'checks' ? (opts.configuredChecks ? 'no restore.checks configured' : 'restore.checks are not run after a rollback') : 'nothing to check';
        const summary = failed ? `${failed} ${what} failed` : warned ? `${warned} ${what} could not verify` : items.length ? `${items.length} ${what} passed` : none;
        rec.end(id!, status, failed || warned ? summary : undefined, items);
        opts.onStep?.({ kind: row.kind, status, detail: summary });
        opts.onChecks?.(row.kind, items);
        if (failed && result.status === 'ok') {
          result.status = 'failed';
          result.stoppedAt ??= { kind: row.kind, error: summary };
        }
        break;
      }
    }
  }
  return result;
}

function restoreStep(ctx: RestoreContext, step: PlannedStep, staging: Staging): Promise<RestoreStepResult> {
  return step.mode === 'databases' ? restoreDatabaseStep(ctx, step) : restoreFolder(ctx, step.source, step.targetPath, step.exclude, staging);
}
