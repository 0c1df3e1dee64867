// Carrying out a restore plan once the readiness checklist passed: stop writes, safety snapshot,
// each source in the plan's order (stopping at the first failure), start writes (always), then
// the post-restore checks. Every step is recorded in the catalog before, while and after it runs.
import type { Catalog } from '../../catalog/catalog.js';
import { describeError } from '../../errors.js';
import type { PlannedStep, RestorePlan } from '../../plan/restore-plan.js';
import type { ChecklistItem } from '../../plan/restore-readiness.js';
import type { RestoreContext, RestoreStepResult } from './context.js';
import { restoreDatabaseStep } from './db-restore.js';
import { restoreFolder } from './files.js';
import { postRestoreChecks } from './post-checks.js';
import type { RestoreRecorder } from './record.js';
import { takeSafetySnapshot, type SnapshotResult } from './snapshot.js';
import { runWriteHooks } from './write-hooks.js';

export interface ExecuteOptions {
  /** Take a safety snapshot first (false for rollbacks). */
  snapshot: boolean;
  /** Run the host's restore.checks (false for rollbacks: the state before a restore need not pass them). */
  configuredChecks: boolean;
  catalog: Catalog;
  recorder: RestoreRecorder;
  /** Called with each finished step, for people watching. */
  onStep?: (line: StepLine) => void;
}

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
  stoppedAt?: { kind: string; source?: string; error: string; changed?: boolean };
  /** Sources not touched at all. */
  untouched: string[];
  /** Sources of the archive that `--only` left out (untouched too, by choice). */
  notSelected: string[];
  checks: ChecklistItem[];
  startWrites?: StepLine;
}

/** Runs the plan; never throws for the restore's own failures (they are in the result and the catalog). */
export async function executeRestore(ctx: RestoreContext, plan: RestorePlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const rec = opts.recorder;
  const hooks = ctx.target.restore;
  const ids = {
    stop: rec.plan('stop_writes'),
    snapshot: opts.snapshot ? rec.plan('snapshot') : undefined,
    sources: plan.steps.map((s) => rec.plan(s.kind, s.source)),
    start: rec.plan('start_writes'),
    checks: rec.plan('checks'),
  };
  const result: ExecuteResult = { status: 'ok', restored: [], untouched: plan.steps.map((s) => s.source), notSelected: plan.notSelected ?? [], checks: [] };
  const interrupted = () => ctx.signal?.aborted === true;

  const run = async (id: number, kind: string, source: string | undefined, fn: () => Promise<RestoreStepResult>): Promise<boolean> => {
    rec.begin(id);
    let out: RestoreStepResult;
    try {
      out = await fn();
    } catch (e) {
      out = { status: 'failed', error: describeError(e) };
    }
    const status = out.status !== 'ok' && interrupted() ? 'interrupted' : out.status;
    rec.end(id, status, out.error, out.details);
    opts.onStep?.({ kind, source, status, detail: out.error ?? out.summary });
    if (status === 'ok' || status === 'warning') return true;
    result.status = status === 'interrupted' ? 'interrupted' : 'failed';
    result.stoppedAt = { kind, source, error: out.error ?? status, changed: out.changed };
    if (source !== undefined && out.changed === false) result.untouched.unshift(source);
    return false;
  };

  let ok = await run(ids.stop, 'stop_writes', undefined, async () =>
    hooks.stopWrites.length ? runWriteHooks(ctx, hooks.stopWrites, { signal: ctx.signal }) : { status: 'ok', summary: 'no restore.stop_writes configured' },
  );
  if (ok && ids.snapshot !== undefined) {
    ok = await run(ids.snapshot, 'snapshot', undefined, async () => {
      const s = await takeSafetySnapshot(ctx, plan, opts.catalog);
      if (s.value) {
        result.snapshot = s.value;
        rec.setSnapshot(s.value.repository, s.value.archive);
      }
      return s;
    });
  }
  for (const [i, step] of plan.steps.entries()) {
    if (!ok || interrupted()) break;
    result.untouched = result.untouched.filter((n) => n !== step.source);
    ok = await run(ids.sources[i]!, step.kind, step.source, () => restoreStep(ctx, step));
    if (ok) result.restored.push(step.source);
  }
  if (ok && interrupted()) {
    result.status = 'interrupted';
    result.stoppedAt = { kind: 'restore', error: 'interrupted by a signal' };
  }

  // Always, also after a failure or a signal: the application must come back either way.
  rec.begin(ids.start);
  const started = hooks.startWrites.length ? await runWriteHooks(ctx, hooks.startWrites, { keepGoing: true }) : { status: 'ok' as const, summary: 'no restore.start_writes configured' };
  rec.end(ids.start, started.status, started.error, started.details);
  result.startWrites = { kind: 'start_writes', status: started.status, detail: started.error ?? started.summary };
  opts.onStep?.(result.startWrites);

  if (result.status !== 'ok') {
    rec.end(ids.checks, 'skipped', 'the restore did not complete');
    return result;
  }
  rec.begin(ids.checks);
  result.checks = await postRestoreChecks(ctx, plan, opts.configuredChecks);
  const failed = result.checks.filter((c) => c.status === 'fail');
  rec.end(ids.checks, failed.length ? 'failed' : 'ok', failed.length ? `${failed.length} check(s) failed` : undefined, result.checks);
  if (failed.length || started.status === 'failed') {
    result.status = 'failed';
    result.stoppedAt ??= { kind: failed.length ? 'checks' : 'start_writes', error: failed.length ? `${failed.length} post-restore check(s) failed` : started.error ?? '' };
  }
  return result;
}

function restoreStep(ctx: RestoreContext, step: PlannedStep): Promise<RestoreStepResult> {
  return step.mode === 'databases' ? restoreDatabaseStep(ctx, step) : restoreFolder(ctx, step.source, step.targetPath, step.exclude);
}
