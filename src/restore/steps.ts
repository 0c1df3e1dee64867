// A restore, as one table (RESTORE_STEPS) that runner.ts walks: stop writes, safety snapshot, each
// source in the plan's order (in waves: restoreWaves; a folder's data check begun as soon as it is
// pushed), the data checks (while writes are still stopped: what the application writes next
// cannot make a correct restore look wrong), start
// writes (always), then the readiness probes. Each row says when it runs (`always`, `applies`), what
// its failure stops (`stops`) and what a signal does to it (`signal`); the runner records every step
// in the catalog (pending, running, its end; `skipped` with the reason when it does not run). A new
// step is one row.
import type { RestoreContext, RestoreStepResult } from './context.js';
import { restoreDatabaseStep } from './db-restore.js';
import { restoreFolder } from './files.js';
import { restoreSelection } from './selection-push.js';
import { apartFromOthers, restoreWaves } from './order.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import { checkStep, dataChecks, readinessChecks } from './post-checks.js';
import type { ChecklistItem } from './readiness-verdict.js';
import type { RestoreRow } from './runner.js';
import { takeSafetySnapshot } from './snapshot.js';
import type { Staging } from './staging.js';
import { runWriteHooks } from './write-hooks.js';

/** The restore, in order. */
export const RESTORE_STEPS: readonly RestoreRow[] = [
  {
    kind: 'stop_writes',
    applies: (r) => !granular(r.plan), // a granular restore changes a few paths, not the service's data
    stops: 'rest', // nothing is changed: only start_writes runs
    signal: 'interrupts',
    run: async ({ ctx }) => {
      const hooks = ctx.target.restore.stopWrites;
      return hooks.length ? runWriteHooks(ctx, hooks, { signal: ctx.signal }) : { status: 'ok', summary: 'no restore.stop_writes configured' };
    },
  },
  {
    kind: 'snapshot',
    applies: (r) => r.opts.snapshot,
    stops: 'rest', // nothing is overwritten without a way back
    signal: 'interrupts',
    run: async ({ ctx, plan, opts, staging, result }) => {
      // borg create waits for borg's lock, which the extraction from the same repository holds until it ends.
      const snap = await takeSafetySnapshot(ctx, plan, opts.catalog, { beforeArchive: (repo) => (repo === ctx.repository ? staging.settled() : Promise.resolve()) });
      if (snap.value) {
        result.snapshot = snap.value;
        opts.recorder.setSnapshot(snap.value.repository, snap.value.archive);
      }
      return snap;
    },
  },
  {
    // One step per source in dependency order (database, blobs, data); a wave's folder pushes run at once.
    kind: 'sources',
    applies: () => true,
    stops: 'rest', // the sources after it stay untouched; pushes already running beside it end first
    signal: 'between-waves',
    waves: ({ plan }) => restoreWaves(plan.steps),
    run: async (r, step) => {
      const out = await restoreSource(r.ctx, step!, r.staging);
      // A granular step compared what it pushed right after the push: that is its data check.
      if (step!.selection) {
        if (out.status !== 'failed' && out.value) r.checked?.set(step!.source, Promise.resolve(out.value as ChecklistItem[]));
        return out;
      }
      // A folder apart from the others is final once pushed: its data check runs while the next sources are pushed.
      if (out.status !== 'failed' && step!.mode === 'files' && r.checked && apartFromOthers(r.plan.steps, step!)) {
        const check = checkStep(r.ctx, step!);
        r.checked.set(step!.source, check);
        r.ctx.pending?.push(check); // awaited at the end also when the verify row does not run
      }
      return out;
    },
  },
  {
    // Before start_writes, so the rows counted are the restored ones, not the application's next writes.
    kind: 'verify',
    applies: () => true,
    stops: 'nothing', // start_writes and the readiness probes still run; the restore fails
    signal: 'ignored',
    checklist: 'verify',
    run: async ({ ctx, plan, checked }) => checklistResult(await dataChecks(ctx, plan, checked), 'data check(s)', 'nothing to check'),
  },
  {
    // Also after a failure or a signal (no signal passed: every command is tried).
    kind: 'start_writes',
    always: true,
    applies: (r) => !granular(r.plan),
    stops: 'nothing', // the restore fails
    signal: 'ignored',
    run: async ({ ctx, result }) => {
      const hooks = ctx.target.restore.startWrites;
      const started: RestoreStepResult = hooks.length ? await runWriteHooks(ctx, hooks, { keepGoing: true }) : { status: 'ok', summary: 'no restore.start_writes configured' };
      result.startWrites = { kind: 'start_writes', status: started.status, detail: started.error ?? started.summary };
      return started;
    },
  },
  {
    kind: 'checks',
    applies: (r) => !granular(r.plan), // the service's probes: a granular restore did not stop it
    stops: 'nothing', // the restore fails
    signal: 'ignored',
    checklist: 'checks',
    run: async ({ ctx, plan, opts }) =>
      opts.configuredChecks
        ? checklistResult(await readinessChecks(ctx, plan), 'readiness check(s)', 'no restore.checks configured')
        : checklistResult([], 'readiness check(s)', 'restore.checks are not run after a rollback'),
  },
];

/** A restore of selected paths only (`--path`, or its rollback). */
export function granular(plan: RestorePlan): boolean {
  return plan.steps.length > 0 && plan.steps.every((s) => s.selection);
}

function restoreSource(ctx: RestoreContext, step: PlannedStep, staging: Staging): Promise<RestoreStepResult> {
  if (step.selection) return restoreSelection(ctx, step, staging);
  return step.mode === 'databases' ? restoreDatabaseStep(ctx, step, staging) : restoreFolder(ctx, step.source, step.targetPath, step.exclude, staging);
}

/** A phase of checks as a step: failed when one failed, a warning when one could not verify; the items are its details and value. */
export function checklistResult(items: ChecklistItem[], what: string, none: string): RestoreStepResult<ChecklistItem[]> {
  const failed = items.filter((c) => c.status === 'fail').length;
  const warned = items.filter((c) => c.status === 'warn').length;
  const summary = failed ? `${failed} ${what} failed` : warned ? `${warned} ${what} could not verify` : items.length ? `${items.length} ${what} passed` : none;
  return { status: failed ? 'failed' : warned ? 'warning' : 'ok', error: failed || warned ? summary : undefined, summary, details: items, value: items };
}
