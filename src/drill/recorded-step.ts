// One host's drill as a recorded step of the catalog (the steps table), the way `pullback drill`
// and the nightly job's due drill both run it; and the people-facing lines of its problems.
import { randomBytes } from 'node:crypto';
import { recordStep, type HostContext, type StepOutcome } from '../job/context.js';
import { printable } from '../util/printable.js';
import { pitrProblems } from './pitr-format.js';
import { drillHost, type DrillOptions, type DrillResult } from './drill-host.js';

/** A fresh seed, printed and recorded so the drill can be repeated. */
export function newSeed(): string {
  return randomBytes(4).toString('hex');
}

/**
 * How a drill that proved nothing (UNVERIFIED) is recorded in the steps and hosts tables, which know
 * ok, warning and failed: a failure of `pullback drill` (it exits 1 for it, so its run failed, and a
 * failed run must name why), a warning of the nightly job's due drill (the backup itself was made).
 */
export type UnverifiedAs = 'failed' | 'warning';

/** Runs one host's drill as a recorded step (steps table) whose value is the drill's result. */
export function drillStep(ctx: HostContext, opts: DrillOptions, unverifiedAs: UnverifiedAs): Promise<StepOutcome<DrillResult>> {
  return recordStep(ctx, 'drill', undefined, async () => {
    const r = await drillHost(ctx, opts);
    const problems = describeProblems(r);
    return {
      status: r.status === 'unverified' ? unverifiedAs : r.status,
      files: r.counts.sampled,
      bytes: r.bytesRestored,
      error: problems.length > 0 ? problems.slice(0, 5).join('; ') : undefined,
      details: { drillId: r.drillId, archive: r.archive, seed: r.seed, counts: r.counts, extracted: r.extracted },
      value: r,
    };
  });
}

/** People-facing lines for everything that is not a plain match. */
export function describeProblems(r: DrillResult): string[] {
  const out: string[] = [];
  if (r.error) out.push(`drill failed: ${r.error}`);
  if (r.unverified) out.push(`UNVERIFIED: nothing was verified: ${r.unverified}`);
  for (const m of r.mismatches) out.push(`MISMATCH ${printable(m.path)}: ${m.reason}`);
  for (const d of r.databases) {
    if (d.status === 'failed') out.push(`DATABASE ${printable(d.path)} (${d.engine} ${d.database}): ${d.error ?? 'failed'}`);
  }
  out.push(...pitrProblems(r));
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out;
}
