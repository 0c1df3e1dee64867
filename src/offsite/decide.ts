// Pure decisions of off-site copies: whether a target copies tonight (check, window), whether the
// local repository may be synced over the remote (the shrink guard), and how fresh a copy is.
import type { OffsiteTarget } from '../config/types.js';

export type OffsiteGate = { run: true } | { run: false; reason: string };

export interface GateFacts {
  /** This night's repository check: its status, or undefined when none ran. */
  checkTonight?: string;
  /** The repository's most recent check outcome in the catalog (any night), or undefined when never. */
  lastCheck?: string;
  now: Date;
  timezone?: string;
}

/** Minutes since midnight of `now` in `timezone` (the system's when undefined). */
export function minuteOfDay(now: Date, timezone?: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timezone ? { timeZone: timezone } : {}) }).formatToParts(now);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return n('hour') * 60 + n('minute');
}

/** Whether `minute` lies in [start, end); a window whose end is before its start spans midnight. */
export function inWindow(w: { start: number; end: number }, minute: number): boolean {
  return w.start < w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
}

/** Whether `target` copies now: never over a failed check (corruption must not propagate), only inside its window. */
export function offsiteGate(target: OffsiteTarget, f: GateFacts): OffsiteGate {
  if (f.checkTonight !== undefined && f.checkTonight !== 'ok' && f.checkTonight !== 'warning') {
    return { run: false, reason: `not copied: tonight's check of the repository ${f.checkTonight} (a damaged repository is never copied)` };
  }
  if (target.after === 'check' && f.checkTonight === undefined) return { run: false, reason: 'not copied: no check of the repository ran tonight (after: check)' };
  if (target.after === 'archive' && f.checkTonight === undefined && f.lastCheck !== 'ok') {
    return { run: false, reason: `not copied: the repository's most recent check ${f.lastCheck === undefined ? 'never ran' : f.lastCheck} (after: archive needs it passed)` };
  }
  if (target.window && !inWindow(target.window, minuteOfDay(f.now, f.timezone))) {
    return { run: false, reason: `not copied: outside its window ${target.window.text}` };
  }
  return { run: true };
}

export interface LocalRepoFacts {
  /** A borg repository is there (its config file exists). */
  present: boolean;
  bytes: number;
  files: number;
}

/**
 * Whether the local repository may be synced over the remote: refused when it is missing or holds
 * no data, or it shrank by more than `maxShrink` since the last copy (a wiped backup host must not
 * wipe the off-site copy).
 */
export function shrinkVerdict(local: LocalRepoFacts, last: { bytes: number; files: number } | undefined, maxShrink: number): { ok: true } | { ok: false; reason: string } {
  if (!local.present) return { ok: false, reason: 'the local repository is missing (no borg repository there): the off-site copy is left as it is' };
  if (local.files === 0 || local.bytes === 0) return { ok: false, reason: 'the local repository is empty: the off-site copy is left as it is' };
  if (last && last.bytes > 0 && local.bytes < last.bytes * (1 - maxShrink)) {
    const pct = Math.round((1 - local.bytes / last.bytes) * 100);
    return { ok: false, reason: `the local repository shrank by ${pct}% since the last copy (${local.bytes} bytes now, ${last.bytes} then; max_shrink ${Math.round(maxShrink * 100)}%): not synced, the off-site copy is left as it is` };
  }
  return { ok: true };
}

/** rclone --max-delete for a sync: the share max_shrink of the last copy's files, but never below what one compact may replace. */
export function maxDeleteFor(lastFiles: number | undefined, maxShrink: number): number {
  // A borg transaction replaces its index, hints and integrity files; compact rewrites segments.
  return Math.max(64, Math.ceil((lastFiles ?? 0) * maxShrink));
}
