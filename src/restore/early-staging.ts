// The extraction ahead, begun before the archive is read: when the archive's name is known at the
// start (an explicit --archive, the catalog's newest nightly for `latest`, a rollback's snapshot)
// and the catalog holds the manifest it recorded for it, the plan that manifest gives says exactly
// which paths the restore will push, and their extraction runs beside the plan's own reads of the
// archive (borg's shared lock) instead of after them and the archive check. It is a head start, not
// a source of truth: the plan read from the archive decides, and an extraction of another archive
// or of other paths is stopped and removed (staging.ts begins the right one after the check).
import type { Catalog } from '../catalog/catalog.js';
import type { HostConfig } from '../config/types.js';
import { parseManifest } from '../archive/manifest.js';
import { buildRestorePlan, type RestorePlan } from './plan.js';
import type { RestoreContext } from './context.js';
import { beginStaging, restoredPaths, type Staging } from './staging.js';

export interface EarlyStaging {
  archive: string;
  /** What it extracts, as restoredPaths' archive paths (sorted). */
  paths: string[];
  staging: Staging;
}

export interface EarlyInput {
  catalog: Catalog;
  repository: string;
  /** The archive the plan will most likely be read from (undefined: not known before borg lists the archives). */
  archive: string | undefined;
  origin?: HostConfig;
  target: HostConfig;
  only?: string[];
  mapDb?: Record<string, string>;
}

/** Begins extracting what the catalog's record of `archive` says the restore pushes, into `dir`; undefined when it cannot tell or there is no room. Never throws. */
export function beginEarlyStaging(ctx: Pick<RestoreContext, 'borg' | 'logger' | 'signal'>, p: EarlyInput, dir: string): EarlyStaging | undefined {
  if (p.archive === undefined) return undefined;
  const record = p.catalog.archiveRecord(p.repository, p.archive);
  if (record?.manifest === undefined || record.originalSize === null) return undefined;
  let plan: RestorePlan;
  try {
    const manifest = parseManifest(record.manifest, `archive ${p.archive} (as the catalog recorded it)`);
    plan = buildRestorePlan({ manifest, repository: p.repository, archive: p.archive, origin: p.origin, target: p.target, figures: {}, only: p.only, mapDb: p.mapDb });
  } catch {
    return undefined; // the plan from the archive itself says what is wrong
  }
  // The whole archive's size stands for what is restored (the plan's figures are not read yet): never less room than needed.
  const staging = beginStaging({ ...ctx, repository: p.repository, archive: p.archive }, plan, dir, record.originalSize);
  if (staging.ahead.length === 0) return undefined;
  ctx.logger.debug({ archive: p.archive }, 'restore: extracting ahead from the catalog\'s record of the archive, beside the plan\'s reads');
  return { archive: p.archive, paths: pathKey(plan), staging };
}

/** `early`'s extraction when it is exactly what `plan` pushes from the same archive, else undefined (the caller disposes of it). */
export function adoptEarlyStaging(early: EarlyStaging | undefined, plan: RestorePlan): Staging | undefined {
  if (!early || early.archive !== plan.archive) return undefined;
  const want = pathKey(plan);
  const same = early.staging.ahead.length === plan.steps.length && want.length === early.paths.length && want.every((p, i) => p === early.paths[i]) && plan.steps.every((s) => early.staging.ahead.includes(s.source));
  return same ? early.staging : undefined;
}

/** The plan's restored paths as one sorted list (prefixes marked apart from exact paths). */
function pathKey(plan: RestorePlan): string[] {
  const paths = restoredPaths(plan);
  return [...('prefix' in paths ? paths.prefix.map((x) => `prefix:${x}`) : []), ...('exact' in paths ? paths.exact.map((x) => `exact:${x}`) : [])].sort();
}
