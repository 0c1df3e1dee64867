// One host's nightly backup: the step table in nightly/steps.ts walked by nightly/runner.ts.
import type { HostContext } from '../job/context.js';
import { runNightly, type HostRunResult } from './runner.js';
import type { NightlyFeatures } from './step-types.js';

export type { HostRunResult, NightlyFeatures };

/** Runs the whole nightly job for `ctx.host`, calling `features` for its drill and off-site copy; never throws for the host's own failures. */
export function backupHost(ctx: HostContext, features: NightlyFeatures): Promise<HostRunResult> {
  return runNightly(ctx, features);
}
