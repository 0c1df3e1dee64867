// Which verification checks are due: a pure function of the configured frequencies, the time
// each check last succeeded on the repository, and now.
import type { ChecksConfig, Frequency } from '../config/types.js';

export type CheckKind = 'repository' | 'archives' | 'data' | 'drill';

const PERIOD_MS: Record<Exclude<Frequency, 'always' | 'never'>, number> = {
  // A little under the nominal period, so a nightly cron that starts a few minutes early still counts.
  daily: 23 * 3600_000,
  weekly: 7 * 24 * 3600_000 - 3600_000,
  monthly: 30 * 24 * 3600_000 - 3600_000,
};

/** True when a check of frequency `f`, last done at `last` (undefined: never), is due at `now`. */
export function isDue(f: Frequency, last: Date | undefined, now: Date): boolean {
  if (f === 'never') return false;
  if (f === 'always' || last === undefined) return true;
  return now.getTime() - last.getTime() >= PERIOD_MS[f];
}

/** Every check kind that is due now. */
export function dueChecks(config: ChecksConfig, lastRun: (kind: CheckKind) => Date | undefined, now: Date): Record<CheckKind, boolean> {
  const kinds: CheckKind[] = ['repository', 'archives', 'data', 'drill'];
  return Object.fromEntries(kinds.map((k) => [k, isDue(config[k], lastRun(k), now)])) as Record<CheckKind, boolean>;
}
