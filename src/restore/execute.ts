// Carrying out a restore plan once the readiness checklist passed: the table of steps (steps.ts)
// walked by the runner (runner.ts), with the folder sources extracted from the archive while the
// first rows run (staging.ts) and the removals left running beside the steps awaited at the end.
import { join } from 'node:path';
import type { RestoreContext } from './context.js';
import type { RestorePlan } from './plan.js';
import { runRestoreRows, type ExecuteOptions, type ExecuteResult } from './runner.js';
import { beginStaging } from './staging.js';
import { RESTORE_STEPS } from './steps.js';

export type { CheckPhase, ExecuteOptions, ExecuteResult, StepLine } from './runner.js';

/** Runs the plan by RESTORE_STEPS; never throws for the restore's own failures (they are in the result and the catalog). */
export async function executeRestore(ctx: RestoreContext, plan: RestorePlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const bar = opts.progress?.enabled ? opts.progress.task(`restore ${ctx.target.name}`) : undefined;
  const run: RestoreContext = { ...ctx, pending: [] };
  const staging = opts.staging ?? beginStaging(run, plan, join(ctx.workDir, 'stage'));
  const result: ExecuteResult = { status: 'ok', restored: [], untouched: plan.steps.map((s) => s.source), notSelected: plan.notSelected ?? [], verified: [], checks: [], warnings: [] };
  try {
    return await runRestoreRows(RESTORE_STEPS, { ctx: run, plan, opts, staging, result, checked: new Map() }, bar);
  } finally {
    if (!opts.staging) await staging.dispose();
    await Promise.all(run.pending!);
    bar?.done();
  }
}
