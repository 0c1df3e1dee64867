// Before anything is shown: read the chosen archive's manifest and figures and build the plan.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalConfig, HostConfig } from '../../config/types.js';
import { buildRestorePlan, type RestorePlan, type SourceFigures } from '../../plan/restore-plan.js';
import type { BorgContext } from '../../tools/borg/run.js';
import { archiveFigures, readManifest } from './archive-facts.js';
import { both } from '../../util/pool.js';

export interface Prepared {
  plan: RestorePlan;
  figures: Record<string, SourceFigures>;
  /** Each top-level folder's archived paths (relative to it), for the deletion preview; not for an extraction into a local folder. */
  archived?: Map<string, Set<string>>;
}

/** `<state_dir>/restore`: working folders of restores (one per restore id, plus scratch). */
export function restoreStateDir(global: GlobalConfig): string {
  return join(global.stateDir, 'restore');
}

/** Reads `archive` of `repository` and plans its restore onto `target`; throws UsageError / JobError / ToolError. */
export async function prepareRestore(
  global: GlobalConfig,
  borg: BorgContext,
  p: { repository: string; archive: string; origin?: HostConfig; target: HostConfig; only?: string[]; mapDb?: Record<string, string>; extractOnly?: boolean },
): Promise<Prepared> {
  const parent = restoreStateDir(global);
  mkdirSync(parent, { recursive: true });
  const scratch = mkdtempSync(join(parent, 'scratch-'));
  try {
    // Two readers of the archive at once (borg's shared lock); neither is left running behind the other's failure.
    const archived = p.extractOnly ? undefined : new Map<string, Set<string>>();
    const [manifest, figures] = await both(readManifest(borg, p.repository, p.archive, scratch), archiveFigures(borg, p.repository, p.archive, archived));
    const plan = buildRestorePlan({ manifest, repository: p.repository, archive: p.archive, origin: p.origin, target: p.target, figures, only: p.only, mapDb: p.mapDb, extractOnly: p.extractOnly });
    return { plan, figures, archived };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
