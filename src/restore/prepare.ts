// Before anything is shown: read the chosen archive's manifest and figures and build the plan.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalConfig, HostConfig } from '../config/types.js';
import { buildRestorePlan, type RestorePlan } from './plan.js';
import type { BorgContext } from '../tools/borg/run.js';
import type { ArchiveSummary } from '../tools/borg/list.js';
import { archiveFigures, readManifest, resolveArchive, type SourceFigures } from '../archive/facts.js';
import { both, settle } from '../util/pool.js';
import { selectionCollector, type RequestedPath } from './selection.js';
import type { ItemSize } from '../tools/borg/list-items.js';

/** What rsync's quick check compares (type, size, modification time): an entry equal in all three is not written again. */
export interface ArchivedAttrs {
  type: string;
  size: number;
  /** borg's isomtime: this machine's local time, microseconds. */
  mtime: string;
}

export interface Prepared {
  plan: RestorePlan;
  figures: Record<string, SourceFigures>;
  /** Each top-level folder's archived paths (relative to it), for the deletion preview; not for an extraction into a local folder. */
  archived?: Map<string, Set<string>>;
  /** With `--path`: each archived entry's type, size and modification time per top-level folder (relative to it), so the preview tells an unchanged entry from one replaced. */
  attrs?: Map<string, Map<string, ArchivedAttrs>>;
  /** Every item of the archive borg marks broken (all-zero replacement chunks a repair gave it), from the same walk. */
  broken: string[];
}

/** `<state_dir>/restore`: working folders of restores (one per restore id, plus scratch). */
export function restoreStateDir(global: GlobalConfig): string {
  return join(global.stateDir, 'restore');
}

/** Reads `archive` of `repository` and plans its restore onto `target`; throws UsageError / JobError / ToolError. */
export async function prepareRestore(
  global: GlobalConfig,
  borg: BorgContext,
  p: {
    repository: string;
    archive: string;
    origin?: HostConfig;
    target: HostConfig;
    only?: string[];
    mapDb?: Record<string, string>;
    extractOnly?: boolean;
    /** `--path`: a granular restore of these paths (looked up in the same walk of the archive's items). */
    paths?: readonly RequestedPath[];
    deleteInSelection?: boolean;
  },
): Promise<Prepared> {
  const parent = restoreStateDir(global);
  mkdirSync(parent, { recursive: true });
  const scratch = mkdtempSync(join(parent, 'scratch-'));
  try {
    // Two readers of the archive at once (borg's shared lock); neither is left running behind the other's failure.
    const archived = p.extractOnly ? undefined : new Map<string, Set<string>>();
    const broken: string[] = [];
    const selected = p.paths ? selectionCollector(p.paths, p.archive, p.origin?.name) : undefined;
    const attrs = selected ? new Map<string, Map<string, ArchivedAttrs>>() : undefined;
    const onItem = selected && ((item: ItemSize) => {
      selected.push(item);
      const slash = item.path.indexOf('/');
      if (slash < 0) return;
      const top = item.path.slice(0, slash);
      let m = attrs!.get(top);
      if (!m) attrs!.set(top, (m = new Map()));
      m.set(item.path.slice(slash + 1), { type: item.type, size: item.size, mtime: item.mtime });
    });
    const [manifest, figures] = await both(readManifest(borg, p.repository, p.archive, scratch), archiveFigures(borg, p.repository, p.archive, archived, broken, onItem));
    const selection = selected?.result();
    const plan = buildRestorePlan({ manifest, repository: p.repository, archive: p.archive, origin: p.origin, target: p.target, figures, only: p.only, mapDb: p.mapDb, extractOnly: p.extractOnly, selection, deleteInSelection: p.deleteInSelection });
    return { plan, figures, archived, broken, ...(attrs ? { attrs } : {}) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

type PrepareOptions = Parameters<typeof prepareRestore>[2];

/**
 * resolveArchive, then prepareRestore of what it names, with the plan's reads started beside borg's
 * listing of the archives when the name is known before it: an explicit name, or `guess` (the newest
 * nightly archive the catalog recorded, for `latest`). The listing stays the truth: a guess it does
 * not confirm is read again under the listed name, and a name it refuses gets the listing's error.
 */
export async function resolveAndPrepare(
  global: GlobalConfig,
  borg: BorgContext,
  host: string,
  wanted: string | undefined,
  guess: string | undefined,
  p: Omit<PrepareOptions, 'archive'>,
): Promise<Prepared & { archive: ArchiveSummary }> {
  const early = wanted !== undefined && wanted !== 'latest' ? wanted : guess;
  const prepared = early === undefined ? undefined : settle(prepareRestore(global, borg, { ...p, archive: early }));
  const resolved = await settle(resolveArchive(borg, p.repository, host, wanted));
  // Never leave a reader of the repository running behind a failure or a wrong guess.
  const read = await prepared;
  if (resolved.status === 'rejected') throw resolved.reason;
  const archive = resolved.value;
  if (read && archive.name === early) {
    if (read.status === 'rejected') throw read.reason;
    return { ...read.value, archive };
  }
  return { ...(await prepareRestore(global, borg, { ...p, archive: archive.name })), archive };
}
