// What `--at` says: `latest`, or a time (`YYYY-MM-DD HH:MM:SS` in the backup host's time zone, or
// ISO 8601 with Z or an offset). Pure.

export type RecoveryTarget = { kind: 'latest' } | { kind: 'time'; at: Date };

/** The target `--at` names, or undefined when it is neither `latest` nor a time pullback reads. */
export function parseRecoveryTarget(text: string): RecoveryTarget | undefined {
  const t = text.trim();
  if (t === 'latest') return { kind: 'latest' };
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  let at: Date;
  if (zone) {
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ''}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
    at = new Date(iso);
  } else {
    at = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    // A local time that does not exist (a DST gap) or fields out of range come out moved: refused.
    if (at.getDate() !== Number(d) || at.getHours() !== Number(h) || at.getMinutes() !== Number(mi)) return undefined;
  }
  return Number.isNaN(at.getTime()) ? undefined : { kind: 'time', at };
}

/** PostgreSQL's recovery_target_time value for `at`: UTC, to the microsecond PostgreSQL keeps. */
export function pgTimestamp(at: Date): string {
  return `${at.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}
