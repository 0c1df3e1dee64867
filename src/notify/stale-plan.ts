// What `status --notify` sends, planned from what it sees and what it sent before (the catalog's
// notify_state): a change of state once (fresh → stale: stale; stale → fresh: recovered), then,
// while a host, source or off-site copy stays stale, a reminder every notify_remind. An event that
// was not delivered to every notifier is planned again at the next status --notify. Pure.

export interface StaleKey {
  host: string;
  source?: string;
  offsite?: string;
}

export interface NotifyStateRow extends StaleKey {
  state: 'stale' | 'fresh';
  /** ISO time status --notify first saw this state. */
  since: string;
  /** ISO time its event was last delivered; undefined: not yet. */
  notifiedAt?: string;
  /** Events delivered in this state. */
  sent: number;
}

export type NoticeKind = 'stale' | 'reminder' | 'recovered';

export interface Notice<F extends StaleKey> {
  kind: NoticeKind;
  key: string;
  /** The stale finding (stale, reminder); undefined for recovered. */
  finding?: F;
  /** The state row as it is before this notice (undefined: none). */
  before?: NotifyStateRow;
}

export interface StalePlan<F extends StaleKey> {
  send: Array<Notice<F>>;
  /** Keys whose rows name what is no longer configured or is fresh and told: deleted without a word. */
  drop: string[];
}

/** The catalog key of a host (`main`), a source (`main/db`) or an off-site copy (`main@offsite-name`). */
export function stateKey(k: StaleKey): string {
  return k.offsite !== undefined ? `${k.host}@${k.offsite}` : k.source !== undefined ? `${k.host}/${k.source}` : k.host;
}

export interface PlanInput<F extends StaleKey> {
  /** What is stale now (of the hosts status looked at). */
  stale: readonly F[];
  rows: ReadonlyMap<string, NotifyStateRow>;
  /** The hosts status looked at (--host): rows of other hosts are left alone. */
  hosts: ReadonlySet<string>;
  /** Whether a key still names a configured host, source or off-site target. */
  configured: (k: StaleKey) => boolean;
  now: Date;
  /** Seconds between reminders; 0: none. */
  remindSeconds: number;
}

/** The notices to send now and the rows to forget. */
export function planStaleNotices<F extends StaleKey>(p: PlanInput<F>): StalePlan<F> {
  const send: Array<Notice<F>> = [];
  const drop: string[] = [];
  const staleKeys = new Set<string>();
  for (const f of p.stale) {
    const key = stateKey(f);
    staleKeys.add(key);
    const before = p.rows.get(key);
    if (!before || before.state === 'fresh' || before.notifiedAt === undefined) {
      // A new stale state, or one whose event no notifier has taken yet.
      send.push({ kind: 'stale', key, finding: f, ...(before ? { before } : {}) });
    } else if (p.remindSeconds > 0 && p.now.getTime() - Date.parse(before.notifiedAt) >= p.remindSeconds * 1000) {
      send.push({ kind: 'reminder', key, finding: f, before });
    }
  }
  for (const [key, row] of p.rows) {
    if (staleKeys.has(key) || !p.hosts.has(row.host)) continue;
    if (!p.configured(row)) drop.push(key);
    // Stale before and not now: recovered (a fresh row is a recovery not yet delivered).
    else send.push({ kind: 'recovered', key, before: row });
  }
  return { send, drop };
}

/** The row after `n` was sent at `now` (delivered or not); undefined: the row is deleted (a recovery told). */
export function rowAfter<F extends StaleKey>(n: Notice<F>, delivered: boolean, now: Date): NotifyStateRow | undefined {
  const at = now.toISOString();
  const who: StaleKey = n.finding ?? n.before!;
  const key: StaleKey = { host: who.host, ...(who.source !== undefined ? { source: who.source } : {}), ...(who.offsite !== undefined ? { offsite: who.offsite } : {}) };
  if (n.kind === 'recovered') {
    if (delivered) return undefined;
    const since = n.before?.state === 'fresh' ? n.before.since : at;
    return { ...key, state: 'fresh', since, sent: 0 };
  }
  const continuing = n.before?.state === 'stale';
  const since = continuing ? n.before!.since : at;
  const sent = (continuing ? n.before!.sent : 0) + (delivered ? 1 : 0);
  const notifiedAt = delivered ? at : continuing ? n.before!.notifiedAt : undefined;
  return { ...key, state: 'stale', since, sent, ...(notifiedAt !== undefined ? { notifiedAt } : {}) };
}
