// What the nightly pipeline knows as it goes: per source, how far it got and what it produced; per
// host, the archive and what ran after it. The step table's gates read this and nothing else.
import type { SourceConfig } from '../config/types.js';
import type { SourceManifest } from '../archive/manifest.js';
import type { ArchiveResult } from '../archive/create.js';
import type { DumpRecord } from '../archive/manifest.js';
import type { PullResult } from './pull.js';

export interface SourceState {
  source: SourceConfig;
  /** ok/warning while every step so far passed; failed at the first failed step. */
  status: 'ok' | 'warning' | 'failed';
  /** The step it failed at and why (for the partial archive's comment and the summary). */
  failedAt?: { step: string; error: string };
  taken?: DumpRecord[];
  pull?: PullResult;
  dumps?: DumpRecord[];
  /** Files of a cron-filled dump directory refused for a time in the future (dump_times): never verified or listed. */
  refusedDumps?: string[];
  /** A failed step may have changed its mirror (rsync ran): the last good state must be put back. */
  mirrorTouched: boolean;
  /** The archive whose copy of this source replaced a failed night's mirror (the last good state). */
  keptFrom?: { archive: string; manifest?: SourceManifest };
  /** Why it is left out of the archive: the mirror holds no good state of it (first night, nothing to put back). */
  leftOut?: string;
}

export interface NightState {
  sources: SourceState[];
  /** ssh could not reach the host: its other sources would only repeat the wait. */
  unreachable: boolean;
  archive?: ArchiveResult;
  pruned: boolean;
  /** Whether tonight's prune freed enough to compact, and why (nightly/compact.ts); unset without a prune. */
  compact?: { run: boolean; why: string };
  /** Checks and drill due tonight (per host; the repository check per repository). */
  due: { repository: boolean; archives: boolean; data: boolean; drill: boolean };
  checks: string[];
  /** Off-site targets are configured (the offsite row exists at all). */
  offsite: boolean;
  /** The repository row found the host's repository (false on a first night: the archive creates it). */
  repoPresent?: boolean;
  /** An earlier night without failures owes a prune (paid by tonight's prune row). */
  pruneOwed?: boolean;
  /**
   * Set when compare_archives found the repository rolled back, archives gone, or could not compare:
   * why nothing may clean what lies above its last commit tonight (a failed archive frees nothing).
   */
  keepLeftovers?: string;
  /** A first night's repository was created by the create_repository row. */
  repoCreated?: boolean;
  /** The worst status of this night's checks, when one ran (the offsite step's gate). */
  checked?: 'ok' | 'warning' | 'failed' | 'skipped' | 'running' | 'interrupted';
  aborted: () => boolean;
}

/** A new state for `sources`. */
export function newNight(sources: readonly SourceConfig[], aborted: () => boolean, offsite = false): NightState {
  return {
    offsite,
    sources: sources.map((source) => ({ source, status: 'ok', mirrorTouched: false })),
    unreachable: false,
    pruned: false,
    due: { repository: false, archives: false, data: false, drill: false },
    checks: [],
    aborted,
  };
}

export const failedSources = (n: NightState) => n.sources.filter((s) => s.status === 'failed');
/** Sources whose mirror holds tonight's data or their last good state: what the archive holds. */
export const archivedSources = (n: NightState) => n.sources.filter((s) => s.status !== 'failed' || (s.keptFrom !== undefined && !s.leftOut));

/**
 * The archive whose night last pulled the state a failed source keeps: the archive it was kept
 * from, or, when that archive had itself kept it from an earlier one, that earlier one (after two
 * failed nights in a row the state is two nights old, not one).
 */
export function keptStateFrom(s: SourceState): string | undefined {
  if (!s.keptFrom) return undefined;
  const earlier = s.keptFrom.manifest;
  return earlier?.status === 'kept' && earlier.failed?.keptFrom ? earlier.failed.keptFrom : s.keptFrom.archive;
}

/** The manifest entry of a source as archived tonight. */
export function manifestEntry(s: SourceState): SourceManifest {
  const { name, kind, path, exclude } = s.source;
  if (s.status !== 'failed') return { name, kind, path, exclude, status: s.status, pull: s.pull, dumps: s.dumps };
  // A failed source is archived with its last good state: the dumps that state holds, not tonight's.
  const kept = s.keptFrom?.manifest;
  return {
    name,
    kind,
    path,
    exclude: kept?.exclude ?? exclude,
    status: s.keptFrom && !s.leftOut ? 'kept' : 'failed',
    ...(kept?.pull ? { pull: kept.pull } : {}),
    ...(kept?.dumps ? { dumps: kept.dumps } : {}),
    failed: { step: s.failedAt?.step ?? '?', error: s.failedAt?.error ?? '', ...(s.keptFrom ? { keptFrom: keptStateFrom(s) } : {}) },
  };
}

/** The borg comment of a partial archive: which sources failed and where their data comes from. */
export function partialComment(n: NightState): string | undefined {
  const failed = failedSources(n);
  if (failed.length === 0) return undefined;
  // keep_last_good sets one of the two; without either (it did not run) the source is not in the archive either.
  const where = (s: SourceState) => (s.keptFrom && !s.leftOut ? `last good state from ${keptStateFrom(s)}` : `${s.leftOut ?? 'no good state found'}: left out`);
  const parts = failed.map((s) => `${s.source.name} (${s.failedAt?.step ?? 'failed'}; ${where(s)})`);
  return `partial: failed ${parts.join(', ')}`;
}
