// The verdict on one restored file, and on a whole drill, from what was observed: pure functions.
import { printable } from '../util/printable.js';

/**
 * 'unverified': the restored copy equals borg's record, but the origin could not be read (or asked)
 * to compare it with: neither a pass nor a failure, and never counted as a match.
 */
export type FileVerdict = 'match' | 'mismatch' | 'changed' | 'unverified';

/** What the origin (the main server) said about the file's current state. */
export type OriginObservation =
  | { kind: 'unchecked'; reason: string }
  | { kind: 'missing' }
  | {
      kind: 'present';
      type: string;
      size: number;
      mtimeSeconds: number;
      sha256?: string;
      /** Its extended attributes (ACLs included), hex values; undefined when not read. */
      xattrs?: Record<string, string>;
      /** Time of its last status change (attributes, ACLs, modes), seconds; undefined when not read. */
      ctimeSeconds?: number;
      /** Why its attributes could not be read. */
      xattrsError?: string;
    };

export interface FileObservation {
  path: string;
  /** SHA-256 of the restored file; undefined when borg could not restore it. */
  restoredSha256?: string;
  /** Why the file could not be restored (e.g. borg's integrity error). */
  restoreError?: string;
  /** borg's own record of the file's content. */
  borgSha256?: string;
  /** SHA-256 recorded at dump time (dumps only). */
  recordedSha256?: string;
  /** When `pullback check --repair` recorded this file zero-filled in the archive drilled (catalog zeroed_files), if it did. */
  zeroFilledAt?: string;
  archivedSize: number;
  archivedMtimeSeconds: number;
  /** Extended attributes (ACLs included) of the restored file; undefined when not read. */
  restoredXattrs?: Record<string, string>;
  /** When the pull that fed the archive started (seconds): an origin ctime before it means its attributes are the archived ones. */
  backupStartedSeconds?: number;
  origin: OriginObservation;
}

/** Attributes a restore cannot be expected to carry over (the target's security policy sets them). */
const HOST_SPECIFIC_XATTRS = new Set(['security.selinux', 'security.apparmor', 'security.SMACK64']);

/** How the restored attributes differ from the origin's, for people (empty when they are the same). */
export function xattrDifferences(restored: Readonly<Record<string, string>>, origin: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(restored), ...Object.keys(origin)])].filter((n) => !HOST_SPECIFIC_XATTRS.has(n)).sort();
  for (const n of names) {
    if (!(n in restored)) out.push(`lost ${n}`);
    else if (!(n in origin)) out.push(`extra ${n}`);
    else if (restored[n] !== origin[n]) out.push(`${n} differs`);
  }
  return out;
}

export interface FileResult {
  path: string;
  verdict: FileVerdict;
  /** Why it is a mismatch, changed or unverified; undefined for a match. */
  reason?: string;
  /** Whether the origin's content took part in the comparison. */
  originCompared: boolean;
}

/** Whether the origin file should be hashed: it still has the archived type, size and mtime. */
export function originUnchanged(o: OriginObservation, archivedSize: number, archivedMtimeSeconds: number): boolean {
  return o.kind === 'present' && o.type === 'file' && o.size === archivedSize && o.mtimeSeconds === archivedMtimeSeconds;
}

/**
 * Classifies one file. A restored copy differing from borg's record (or the dump's recorded hash),
 * or from an origin file that still has the archived size and mtime, is a mismatch; an origin file
 * that is gone or was modified since the backup is "changed", not a failure. A file whose origin
 * could not be read is "unverified": agreeing with borg alone proves the archive holds what borg
 * wrote, not that it holds what the server has.
 */
export function classifyFile(f: FileObservation): FileResult {
  const r = (verdict: FileVerdict, reason?: string, originCompared = false): FileResult => ({ path: f.path, verdict, reason, originCompared });
  if (f.restoredSha256 === undefined) return r('mismatch', `not restored: ${f.restoreError ?? 'borg extract did not produce it'}`);
  if (f.borgSha256 === undefined) return r('mismatch', 'borg has no record of its content');
  if (f.restoredSha256 !== f.borgSha256) return r('mismatch', "restored content differs from borg's record");
  if (f.recordedSha256 !== undefined && f.recordedSha256 !== f.restoredSha256) return r('mismatch', 'restored dump differs from the SHA-256 recorded at dump time');
  // borg's record is of the zeros too, and an origin changed since would make it "changed": the repair's record decides, whatever the origin holds.
  if (f.zeroFilledAt !== undefined) return r('mismatch', `ZERO-FILLED by pullback check --repair at ${f.zeroFilledAt}: its unreadable parts are zeros in this archive (a restore of it refuses this file; the other files are not affected)`);
  const o = f.origin;
  if (o.kind === 'unchecked') return r('unverified', o.reason);
  if (o.kind === 'missing') return r('changed', MISSING_ON_ORIGIN);
  if (!originUnchanged(o, f.archivedSize, f.archivedMtimeSeconds)) {
    const what = o.type !== 'file' ? `now a ${o.type}` : o.size !== f.archivedSize ? 'size changed' : 'modified since the backup';
    return r('changed', what);
  }
  if (o.sha256 === undefined) return r('unverified', 'its content on the origin was not read');
  if (o.sha256 !== f.restoredSha256) return r('mismatch', 'differs from the origin, which still has the archived size and mtime', true);
  if (f.restoredXattrs !== undefined && o.xattrs !== undefined) {
    const diff = xattrDifferences(f.restoredXattrs, o.xattrs);
    if (diff.length > 0) {
      // Attributes changed after the pull began are newer than the archive: not the backup's fault.
      const untouched = o.ctimeSeconds !== undefined && f.backupStartedSeconds !== undefined && o.ctimeSeconds < f.backupStartedSeconds;
      if (!untouched) return r('changed', `attributes (ACLs/xattrs) changed since the backup: ${diff.join(', ')}`, true);
      return r('mismatch', `restored ACLs/xattrs differ from the origin, unchanged since before the backup: ${diff.join(', ')}`, true);
    }
  }
  return r('match', undefined, true);
}

/** The reason of a sampled file that is gone from the origin. */
export const MISSING_ON_ORIGIN = 'no longer on the origin';

export interface MissingOnOrigin {
  count: number;
  sampled: number;
  /** "54 of 301 sampled file(s) are no longer on the origin, first 10: ...; and 44 more". */
  text: string;
  /** Set when the share is past the threshold: the drill is a warning for this reason. */
  warning?: string;
}

/**
 * How many sampled files are gone from the origin, said with the total and the first `shown`
 * paths; a warning past `maxShare` of the sample (a mirror of a server that lost files, or a drill
 * comparing with the wrong place, is not a healthy OK). Undefined when none is missing.
 */
export function missingOnOrigin(results: readonly FileResult[], maxShare: number, shown = 10): MissingOnOrigin | undefined {
  const paths = results.filter((x) => x.verdict === 'changed' && x.reason === MISSING_ON_ORIGIN).map((x) => x.path);
  if (paths.length === 0) return undefined;
  const sampled = results.length;
  const more = paths.length > shown ? `; and ${paths.length - shown} more` : '';
  const text = `${paths.length} of ${sampled} sampled file(s) are no longer on the origin, first ${Math.min(shown, paths.length)}: ${paths.slice(0, shown).map(quoted).join(', ')}${more}`;
  const out: MissingOnOrigin = { count: paths.length, sampled, text };
  if (paths.length > maxShare * sampled) out.warning = `${text} (more than ${percent(maxShare)} of the sample, drill.max_missing)`;
  return out;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/** A path in a comma-separated list: control characters escaped, quoted when it holds a comma or was escaped. */
function quoted(path: string): string {
  const shown = printable(path);
  return shown !== path || path.includes(',') ? `"${shown}"` : path;
}

export interface DrillCounts {
  sampled: number;
  matches: number;
  mismatches: number;
  changed: number;
  /** Restored intact, but not compared with the origin (it could not be read): neither a match nor a mismatch. */
  unverified: number;
}

/** Counts of each verdict. */
export function countVerdicts(results: readonly FileResult[]): DrillCounts {
  return {
    sampled: results.length,
    matches: results.filter((x) => x.verdict === 'match').length,
    mismatches: results.filter((x) => x.verdict === 'mismatch').length,
    changed: results.filter((x) => x.verdict === 'changed').length,
    unverified: results.filter((x) => x.verdict === 'unverified').length,
  };
}

/**
 * The sampled files that could not be compared with the origin, said with how many were verified
 * and, per reason, the first `shown` paths; undefined when every file was compared.
 */
export function unverifiedFiles(results: readonly FileResult[], shown = 10): string | undefined {
  const un = results.filter((x) => x.verdict === 'unverified');
  if (un.length === 0) return undefined;
  const verified = results.filter((x) => x.verdict === 'match' || x.verdict === 'changed').length;
  const byReason = new Map<string, string[]>();
  for (const x of un) byReason.set(x.reason ?? 'not compared', [...(byReason.get(x.reason ?? 'not compared') ?? []), x.path]);
  const parts = [...byReason].map(([why, paths]) => `${paths.slice(0, shown).map(quoted).join(', ')}${paths.length > shown ? ` and ${paths.length - shown} more` : ''}: ${why}`);
  return `${un.length} of ${results.length} sampled file(s) not verified against the origin (${verified} verified): ${parts.join('; ')}`;
}

/** Why a drill verified nothing (undefined when it verified something): no sample, or no sampled file compared. */
export function nothingVerified(c: DrillCounts, candidates: number | undefined, from: 'archive' | 'mirror'): string | undefined {
  if (c.sampled === 0) {
    return candidates === 0 || candidates === undefined
      ? `sampled nothing: the ${from === 'mirror' ? "archive (read from the host's mirror, which still equals it)" : 'archive'} holds no regular file and no dump to restore`
      : `sampled nothing: a sample of 0 of ${candidates} file(s)`;
  }
  if (c.matches + c.changed + c.mismatches === 0) return `none of the ${c.sampled} sampled file(s) could be compared with the origin`;
  return undefined;
}

export type DrillStatus = 'ok' | 'warning' | 'unverified' | 'failed';

/**
 * A drill's status: failed on any mismatch, failed database check, failed PITR drill or error;
 * unverified when it verified nothing (`nothingVerified` says why) or a PITR source had no window to
 * drill; warning when something went unchecked.
 */
export function drillStatus(o: { mismatches: number; databaseFailures: number; error?: string; warnings: number; nothingVerified?: string; pitrFailures?: number; pitrUnverified?: number }): DrillStatus {
  if (o.error !== undefined || o.mismatches > 0 || o.databaseFailures > 0 || (o.pitrFailures ?? 0) > 0) return 'failed';
  if (o.nothingVerified !== undefined || (o.pitrUnverified ?? 0) > 0) return 'unverified';
  return o.warnings > 0 ? 'warning' : 'ok';
}
