// restore.stop_writes / restore.start_writes: argv lists run on the target over SSH, in order.
import { describeError } from '../errors.js';
import { reasonOf } from '../exec/stderr.js';
import type { RestoreContext, RestoreStepResult } from './context.js';

const HOOK_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs each command; stops at the first that fails (exit != 0) unless `keepGoing` (start_writes
 * after a failure must try every command). Never throws.
 */
export async function runWriteHooks(ctx: RestoreContext, commands: string[][], opts: { keepGoing?: boolean; signal?: AbortSignal } = {}): Promise<RestoreStepResult> {
  const errors: string[] = [];
  const ran: Array<{ argv: string[]; exitCode?: number }> = [];
  for (const argv of commands) {
    try {
      const r = await ctx.session.exec(argv, { timeoutMs: HOOK_TIMEOUT_MS, signal: opts.signal });
      ran.push({ argv, exitCode: r.exitCode });
      if (r.exitCode !== 0) {
        const how = r.timedOut ? 'timed out' : r.exitCode === undefined ? `ended by ${r.signal}` : `exited ${r.exitCode}`;
        const last = reasonOf(r);
        errors.push(`${argv.join(' ')} ${how}${last ? `: ${last}` : ''}`);
        if (!opts.keepGoing) break;
      }
    } catch (e) {
      errors.push(`${argv.join(' ')}: ${describeError(e)}`);
      if (!opts.keepGoing) break;
    }
  }
  if (errors.length > 0) return { status: 'failed', error: errors.join('; '), details: { ran } };
  return { status: 'ok', summary: `${ran.length} command(s) exited 0`, details: { ran } };
}
