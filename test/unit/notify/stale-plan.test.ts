import { describe, expect, it } from 'vitest';
import { planStaleNotices, rowAfter, stateKey, type NotifyStateRow, type StaleKey } from '../../../src/notify/stale-plan.js';

const now = new Date('2025-03-02T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000).toISOString();
const DAY = 86_400;

function plan(stale: StaleKey[], rows: Array<[string, NotifyStateRow]>, o: { remind?: number; hosts?: string[]; configured?: (k: StaleKey) => boolean } = {}) {
  return planStaleNotices({ stale, rows: new Map(rows), hosts: new Set(o.hosts ?? ['main', 'web']), configured: o.configured ?? (() => true), now, remindSeconds: o.remind ?? DAY });
}
const kinds = (p: ReturnType<typeof plan>) => p.send.map((n) => `${n.kind} ${n.key}`);

describe('stateKey', () => {
  it('names a host, a source and an off-site copy apart', () => {
    expect([stateKey({ host: 'main' }), stateKey({ host: 'main', source: 'db' }), stateKey({ host: 'main', offsite: 'b2' })]).toEqual(['main', 'main/db', 'main@b2']);
  });
});

describe('planStaleNotices', () => {
  const told = (h: number): NotifyStateRow => ({ host: 'main', state: 'stale', since: hoursAgo(h + 1), notifiedAt: hoursAgo(h), sent: 1 });

  it('sends a new stale state once, then nothing until the reminder is due', () => {
    expect(kinds(plan([{ host: 'main' }], []))).toEqual(['stale main']);
    expect(kinds(plan([{ host: 'main' }], [['main', told(1)]]))).toEqual([]);
    expect(kinds(plan([{ host: 'main' }], [['main', told(23.9)]]))).toEqual([]);
    expect(kinds(plan([{ host: 'main' }], [['main', told(24)]]))).toEqual(['reminder main']);
    expect(kinds(plan([{ host: 'main' }], [['main', told(100)]], { remind: 0 }))).toEqual([]);
  });

  it('sends again a stale state whose event no notifier took', () => {
    expect(kinds(plan([{ host: 'main' }], [['main', { host: 'main', state: 'stale', since: hoursAgo(1), sent: 0 }]]))).toEqual(['stale main']);
  });

  it('says recovered for a stale row no longer stale, and again until told', () => {
    expect(kinds(plan([], [['main', told(2)]]))).toEqual(['recovered main']);
    expect(kinds(plan([], [['main', { host: 'main', state: 'fresh', since: hoursAgo(1), sent: 0 }]]))).toEqual(['recovered main']);
  });

  it('a stale again after a recovery not told is a new stale state', () => {
    expect(kinds(plan([{ host: 'main' }], [['main', { host: 'main', state: 'fresh', since: hoursAgo(1), sent: 0 }]]))).toEqual(['stale main']);
  });

  it('leaves hosts not looked at alone and forgets what is no longer configured', () => {
    const web: NotifyStateRow = { ...told(2), host: 'web' };
    const gone: NotifyStateRow = { ...told(2), source: 'old' };
    const p = plan([], [['web', web], ['main/old', gone]], { hosts: ['main'], configured: (k) => k.source !== 'old' });
    expect(p.send).toEqual([]);
    expect(p.drop).toEqual(['main/old']);
  });
});

describe('rowAfter', () => {
  it('keeps the state since its start and counts the deliveries', () => {
    const first = rowAfter({ kind: 'stale', key: 'main/db', finding: { host: 'main', source: 'db' } }, true, now)!;
    expect(first).toEqual({ host: 'main', source: 'db', state: 'stale', since: now.toISOString(), notifiedAt: now.toISOString(), sent: 1 });
    const later = new Date(now.getTime() + DAY * 1000);
    expect(rowAfter({ kind: 'reminder', key: 'main/db', finding: { host: 'main', source: 'db' }, before: first }, true, later)).toEqual({ ...first, notifiedAt: later.toISOString(), sent: 2 });
    expect(rowAfter({ kind: 'reminder', key: 'main/db', finding: { host: 'main', source: 'db' }, before: first }, false, later)).toEqual(first);
  });

  it('a stale state not delivered has no notifiedAt; a recovery told deletes the row', () => {
    expect(rowAfter({ kind: 'stale', key: 'main', finding: { host: 'main' } }, false, now)).toEqual({ host: 'main', state: 'stale', since: now.toISOString(), sent: 0 });
    const before: NotifyStateRow = { host: 'main', state: 'stale', since: hoursAgo(5), notifiedAt: hoursAgo(5), sent: 1 };
    expect(rowAfter({ kind: 'recovered', key: 'main', before }, true, now)).toBeUndefined();
    expect(rowAfter({ kind: 'recovered', key: 'main', before }, false, now)).toEqual({ host: 'main', state: 'fresh', since: now.toISOString(), sent: 0 });
  });
});
