// The dry run of `restore --at` (with or without --into): the plan was printed; this reads what the
// restore would read (pitr/readiness.ts) and prints it as a checklist with its verdict.
import type { Logger } from 'pino';
import { pitrReadiness } from '../pitr/readiness.js';
import type { PitrPlan } from '../pitr/restore-plan.js';
import { formatChecklist } from '../restore/format.js';
import type { BorgContext } from '../tools/borg/run.js';

/** Prints the checklist of `plan` and its verdict (`nothing`: what it left alone); 0 when every item passed. */
export async function dryRunChecklist(out: (text: string) => void, borg: BorgContext, plan: PitrPlan, receivedWal: string, nothing: string, logger: Logger, timeoutMs: number): Promise<number> {
  const items = await pitrReadiness(borg, plan, receivedWal, logger, timeoutMs);
  out(formatChecklist('Readiness checklist:', items));
  const ok = items.every((i) => i.status !== 'fail');
  out(ok ? `Dry run: every check passed; ${nothing}.` : `Dry run: the restore would stop at the failed checks above; ${nothing}.`);
  return ok ? 0 : 1;
}
