// What `--at` says: `latest`, a time (`YYYY-MM-DD HH:MM:SS` in the backup host's time zone, or
// ISO 8601 with Z or an offset), a transaction id (`xid:758`: recovery stops after it commits), or
// a named restore point (`point:NAME`, made by pg_create_restore_point). Pure.

export type RecoveryTarget = { kind: 'latest' } | { kind: 'time'; at: Date } | { kind: 'xid'; xid: string } | { kind: 'name'; name: string };

/** The target for people: `latest`, the time in UTC, `transaction 758`, `restore point "x"`. */
export function describeTarget(t: RecoveryTarget): string {
  if (t.kind === 'latest') return 'latest';
  if (t.kind === 'xid') return `transaction ${t.xid}`;
  if (t.kind === 'name') return `restore point ${JSON.stringify(t.name)}`;
  return t.at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The target `--at` names, or undefined when it is neither `latest` nor a time pullback reads. */
export function parseRecoveryTarget(text: string): RecoveryTarget | undefined {
  const t = text.trim();
  if (t === 'latest') return { kind: 'latest' };
  const xid = /^xid:(\d{1,20})$/.exec(t);
  if (xid) return { kind: 'xid', xid: xid[1]! };
  // A restore point's name as pg_create_restore_point took it (at most 63 bytes), taken as written after `point:`.
  if (text.startsWith('point:')) {
    const name = text.slice('point:'.length);
    return name !== '' && Buffer.byteLength(name, 'utf8') < 64 && !name.includes('\0') ? { kind: 'name', name } : undefined;
  }
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
