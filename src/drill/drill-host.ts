// One host's restore drill: the table of steps (DRILL_STEPS, steps.ts) walked by its runner over
// one DrillRun: pick an archive, sample files (plus every dump), really extract them into a scratch
// directory, compare with borg's record and the origin, restore the dumps into scratch databases;
// then the verdict from what the rows found, and the record of it all. Never throws for the drill's
// own failures.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { hostRepo, type HostContext } from '../job/context.js';
import { describeBorgFailure } from './archive-files.js';
import { pitrProblems, pitrRecord } from './pitr-format.js';
import { finishDrill, startDrill } from './record.js';
import { newDrillRun, type DrillOptions, type DrillResult, type SampleFacts } from './state.js';
import { DRILL_STEPS, runSteps } from './steps.js';
import { drillStatus, nothingVerified } from './verdict.js';

export type { DrillOptions, DrillResult } from './state.js';

/** Runs a drill of `ctx.host` and records it (drills table and check history 'drill'). */
export async function drillHost(ctx: HostContext, opts: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const repository = hostRepo(ctx);
  const drillId = startDrill(ctx.catalog, { runId: ctx.runId, host: ctx.host.name, repository, seed: opts.seed });
  const scratch = join(ctx.global.stateDir, 'drill', String(drillId));
  const r: DrillResult = {
    drillId, host: ctx.host.name, repository, seed: opts.seed, status: 'failed',
    counts: { sampled: 0, matches: 0, mismatches: 0, changed: 0, unverified: 0 }, sampled: [],
    extracted: 0, bytesRestored: 0, mismatches: [], changed: [], databases: [], pitr: [], warnings: [], durationMs: 0,
  };
  const sample: SampleFacts = { from: 'archive' };
  try {
    const failure = await drillInto(ctx, opts, scratch, r, sample);
    if (failure) r.error = describeBorgFailure(failure.error);
  } catch (e) {
    r.error = describeBorgFailure(e);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const databaseFailures = r.databases.filter((d) => d.status === 'failed').length;
  // Only a drill that ran to its end can say it verified nothing (an error is said as such).
  if (r.error === undefined && !ctx.signal?.aborted) r.unverified = nothingVerified(r.counts, sample.candidates, sample.from);
  const pitrFailures = r.pitr.filter((p) => p.status === 'failed').length;
  const pitrUnverified = r.pitr.filter((p) => p.status === 'unverified').length;
  r.status = ctx.signal?.aborted ? 'failed' : drillStatus({ mismatches: r.counts.mismatches, databaseFailures, error: r.error, warnings: r.warnings.length, nothingVerified: r.unverified, pitrFailures, pitrUnverified });
  r.durationMs = Date.now() - started;
  finishDrill(ctx.catalog, drillId, {
    archive: r.archive, status: ctx.signal?.aborted ? 'interrupted' : r.status, filesSampled: r.counts.sampled, sampled: r.sampled, bytesRestored: r.bytesRestored,
    // The PITR drills are kept beside the dumps' results (kind 'pitr': catalog/queries.ts lastDrill reads them back).
    matches: r.counts.matches, mismatches: r.mismatches, changed: r.changed, databases: [...r.databases, ...r.pitr.map(pitrRecord)], durationMs: r.durationMs,
    // What a drill that did not fail could not verify is kept with it, for the report.
    error: r.error ?? (r.status === 'ok' ? undefined : [r.unverified, ...pitrProblems(r), ...r.warnings].filter(Boolean).join('; ')),
  });
  ctx.catalog.recordCheck(repository, 'drill', ctx.host.name, r.status);
  return r;
}

/** Walks DRILL_STEPS over a new DrillRun, with a progress bar for people; the first row that failed, if any. */
async function drillInto(ctx: HostContext, opts: DrillOptions, scratch: string, r: DrillResult, sample: SampleFacts): Promise<{ name: string; error: unknown } | undefined> {
  const d = newDrillRun(ctx, opts, scratch, r, sample);
  const bar = ctx.progress?.enabled ? ctx.progress.task(`drill ${ctx.host.name}`) : undefined;
  d.onVerified = bar && ((n, of, what) => bar.update(n, of, `${n} of ${of} sampled files ${what}`));
  try {
    return (await runSteps(DRILL_STEPS, d, () => ctx.signal?.aborted === true)).failures[0];
  } finally {
    bar?.done();
  }
}
