// The mass-deletion guard (issue 9): a pull may not make a source's mirror lose more than max_shrink
// of the files or bytes of its last good pull, unless the operator accepted it for this run. Pure:
// the pull measures (rsync --max-delete=0 counts the deletions it held back), this judges.
import type { GlobalConfig, SourceConfig } from '../config/types.js';
import { humanBytes } from '../util/table.js';

/** The share a source may lose: its own max_shrink, else the global one for blobs and data; database dumps rotate, so 1 (off). */
export function effectiveMaxShrink(global: Pick<GlobalConfig, 'maxShrink'>, source: Pick<SourceConfig, 'kind' | 'maxShrink'>): number {
  return source.maxShrink ?? (source.kind === 'database' ? 1 : global.maxShrink);
}

export interface ShrinkBaseline {
  /** rsync's "Number of files" of the last good pull (directories and links included). */
  files: number;
  bytes: number;
  recordedAt: string;
}

/** Whether this pull runs guarded (first pass with --max-delete=0): not before a first good pull, not when off or accepted. */
export function shouldGuard(baseline: ShrinkBaseline | undefined, maxShrink: number, accepted: boolean): baseline is ShrinkBaseline {
  return baseline !== undefined && maxShrink < 1 && !accepted && baseline.files > 1;
}

export interface ShrinkMeasure {
  /** Deletions rsync held back (what the mirror would lose). */
  pendingDeletions: number;
  /** The source's total size now (rsync's "Total file size"). */
  bytesNow: number;
  /** The source's files now (rsync's "Number of files", directories and links included). */
  filesNow: number;
}

/** The older figures the source is also compared with: the newest archive at least max_shrink_window old, or one accepted since. */
export interface ShrinkReference {
  archive: string;
  createdAt: string;
  files: number;
  bytes: number;
  accepted: boolean;
}

export type ShrinkVerdict = { ok: true } | { ok: false; reason: string };

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Share lost from `before` to `now` (0 when it grew or there was nothing). */
const lost = (before: number, now: number) => (before > 0 && now < before ? (before - now) / before : 0);

/**
 * ok, or why the pull must stop before deleting anything; `how` says how to let it through.
 * Measured against the last good pull, and against `older` (when given): a slow erosion passes
 * each night's comparison but not the one with a week ago.
 */
export function judgeShrink(
  source: string,
  baseline: ShrinkBaseline,
  m: ShrinkMeasure,
  maxShrink: number,
  how: string,
  older?: ShrinkReference,
): ShrinkVerdict {
  const fileShare = m.pendingDeletions / baseline.files;
  const byteShare = lost(baseline.bytes, m.bytesNow);
  const problems: string[] = [];
  if (fileShare > maxShrink) problems.push(`${m.pendingDeletions} of ${baseline.files} files (${pct(fileShare)}) would be deleted`);
  if (byteShare > maxShrink) problems.push(`its size fell from ${humanBytes(baseline.bytes)} to ${humanBytes(m.bytesNow)} (${pct(byteShare)} less)`);
  const tail = `nothing was deleted from the mirror. If the data was deleted on purpose: ${how}`;
  if (problems.length > 0) {
    return { ok: false, reason: `${source}: ${problems.join(' and ')}, more than max_shrink ${pct(maxShrink)} of the last good pull (${baseline.recordedAt}); ${tail}` };
  }
  if (!older) return { ok: true };
  const olderFiles = lost(older.files, m.filesNow);
  const olderBytes = lost(older.bytes, m.bytesNow);
  const since: string[] = [];
  if (olderFiles > maxShrink) since.push(`its files fell from ${older.files} to ${m.filesNow} (${pct(olderFiles)} fewer)`);
  if (olderBytes > maxShrink) since.push(`its size fell from ${humanBytes(older.bytes)} to ${humanBytes(m.bytesNow)} (${pct(olderBytes)} less)`);
  if (since.length === 0) return { ok: true };
  const which = older.accepted ? 'whose pull was accepted with --accept-shrink' : 'the newest archive at least max_shrink_window old';
  return {
    ok: false,
    reason:
      `${source}: ${since.join(' and ')} since archive ${older.archive} (${older.createdAt}, ${which}), more than max_shrink ${pct(maxShrink)}; ` +
      `each night's loss stayed within it, but together they do not (a slow erosion); ${tail}`,
  };
}
