// Interrupted restores in `pullback status` and the report: a restore or rollback whose process
// died (or that a signal stopped) leaves its target half-restored, so the host is red, naming the
// restore and the exact command that puts the target back, until a rollback of it or a complete
// restore onto the target finishes OK (catalog/interrupted-restores.ts decides which are resolved).
import type { Catalog } from '../catalog/catalog.js';
import { interruptedRestoreText, rollbackArgv, rollbackTarget, unresolvedInterruptedRestores } from '../catalog/interrupted-restores.js';
import type { Config } from '../config/types.js';
import { shellCommand } from '../tools/ssh/quote.js';

/** One interrupted restore onto a host, as the status and the report say it. */
export interface InterruptedRestoreFact {
  id: number;
  startedAt: Date;
  /** The exact command that puts the target back, when there is a safety snapshot to put back. */
  rollbackCommand?: string;
  /** The whole sentence for people (what, where it stopped, what the target holds, the command). */
  text: string;
}

/** The host's unresolved interrupted restores (it was their target), with their rollback commands for this config. */
export function interruptedRestoreFacts(config: Config, catalog: Catalog, host: string): InterruptedRestoreFact[] {
  return unresolvedInterruptedRestores(catalog, host).map((r) => {
    const id = rollbackTarget(r);
    const rollbackCommand = id === undefined ? undefined : shellCommand(rollbackArgv(config.global.file, id));
    return { id: r.id, startedAt: new Date(r.startedAt), ...(rollbackCommand ? { rollbackCommand } : {}), text: interruptedRestoreText(r, rollbackCommand) };
  });
}

/** Each interrupted restore onto the host as a red verdict of its own (status's "Attention" lines). */
export function interruptedRestoreVerdicts(host: string, facts: readonly InterruptedRestoreFact[], now: Date): Array<{ light: 'red'; at: Date; ageMs: number; reason: string }> {
  return facts.map((f) => ({ light: 'red' as const, at: f.startedAt, ageMs: now.getTime() - f.startedAt.getTime(), reason: `${host}: ${f.text}` }));
}
