// One host's nightly backup: the step table in nightly/steps.ts walked by nightly/runner.ts.
import type { HostContext } from '../job/context.js';
import { runNightly, type HostRunResult } from './runner.js';
import type { NightlyHooks } from './steps.js';

export type { HostRunResult };
/** Hooks that later steps (drills) plug into the nightly job. */
export type BackupHooks = NightlyHooks;

/** Runs the whole nightly job for `ctx.host`; never throws for the host's own failures. */
export function backupHost(ctx: HostContext, hooks: BackupHooks = {}): Promise<HostRunResult> {
  return runNightly(ctx, hooks);
}
