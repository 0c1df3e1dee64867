// The point-in-time restore's plan, its target and the recovery window: pure.
import { describe, expect, it } from 'vitest';
import type { BaseBackupRecord } from '../../../src/catalog/pitr.js';
import type { SourceConfig } from '../../../src/config/types.js';
import { planPitrRestore } from '../../../src/pitr/restore-plan.js';
import { parseRecoveryTarget, pgTimestamp } from '../../../src/pitr/target-time.js';
import { recoveryWindow } from '../../../src/archive/recovery-window.js';
import { reachedAt } from '../../../src/pitr/probe.js';

const base = (n: number, endedAt: string): BaseBackupRecord => ({ id: n, host: 'main', source: 'db', startedAt: endedAt, endedAt, timeline: 1, startLsn: `0/${n}000000`, endLsn: `0/${n}000100`, startWal: `00000001000000000000000${n}`, archive: `main-2026120${n}T020000Z` });
const bases = [base(1, '2026-12-01T02:00:10.000Z'), base(2, '2026-12-02T02:00:10.000Z'), base(3, '2026-12-03T02:00:10.000Z')];
const input = { host: 'main', source: 'db', repository: '/r', bases, newest: new Date('2026-12-03T14:00:00Z') };

describe('point-in-time restore plan', () => {
  it('starts from the newest base backup consistent at the target, with WAL from its archive and every later one', () => {
    const r = planPitrRestore({ ...input, target: { kind: 'time', at: new Date('2026-12-02T14:32:00Z') } });
    expect(r.ok && r.plan.base.id).toBe(2);
    expect(r.ok && r.plan.walArchives).toEqual(['main-20261202T020000Z', 'main-20261203T020000Z']);
    const latest = planPitrRestore({ ...input, target: { kind: 'latest' } });
    expect(latest.ok && latest.plan.base.id).toBe(3);
  });

  it('refuses a target outside the window, naming the window', () => {
    const early = planPitrRestore({ ...input, target: { kind: 'time', at: new Date('2026-12-01T01:00:00Z') } });
    expect(early).toEqual({ ok: false, reason: '2026-12-01 01:00:00 UTC is before the oldest point reachable: the recovery window is 2026-12-01 02:00:10 UTC to 2026-12-03 14:00:00 UTC' });
    const late = planPitrRestore({ ...input, target: { kind: 'time', at: new Date('2026-12-03T15:00:00Z') } });
    expect(late.ok).toBe(false);
    expect(planPitrRestore({ ...input, bases: [], target: { kind: 'latest' } }).ok).toBe(false);
    // A transaction or a restore point: from the oldest base backup (its time is not known before the WAL is read).
    const named = planPitrRestore({ ...input, target: { kind: 'name', name: 'p' } });
    expect(named.ok && named.plan.base.id).toBe(1);
    expect(named.ok && named.plan.walArchives).toEqual(['main-20261201T020000Z', 'main-20261202T020000Z', 'main-20261203T020000Z']);
  });

  it('reads --at as local time, ISO with a zone, or latest; writes UTC for PostgreSQL', () => {
    expect(parseRecoveryTarget('latest')).toEqual({ kind: 'latest' });
    expect(parseRecoveryTarget('2026-12-06 14:32:00Z')).toEqual({ kind: 'time', at: new Date('2026-12-06T14:32:00Z') });
    expect(parseRecoveryTarget('2026-12-06T14:32:00+0100')).toEqual({ kind: 'time', at: new Date('2026-12-06T13:32:00Z') });
    expect(parseRecoveryTarget('2026-12-06 14:32:00')).toEqual({ kind: 'time', at: new Date(2026, 11, 6, 14, 32, 0) });
    expect(parseRecoveryTarget('2026-02-30 14:32:00')).toBeUndefined();
    expect(parseRecoveryTarget('yesterday')).toBeUndefined();
    expect(parseRecoveryTarget('xid:758')).toEqual({ kind: 'xid', xid: '758' });
    expect(parseRecoveryTarget('xid:7a')).toBeUndefined();
    expect(parseRecoveryTarget('point:before migration')).toEqual({ kind: 'name', name: 'before migration' });
    expect(parseRecoveryTarget('point:')).toBeUndefined();
    expect(parseRecoveryTarget(`point:${'x'.repeat(64)}`)).toBeUndefined();
    expect(pgTimestamp(new Date('2026-12-06T14:32:00.250Z'))).toBe('2026-12-06 14:32:00.250+00');
  });

  it('the newest point is the latest probe whose server position the slot reached', () => {
    const p = [{ at: new Date(1000), serverLsn: 100n }, { at: new Date(2000), serverLsn: 200n }, { at: new Date(3000), serverLsn: 300n }];
    expect(reachedAt(p, 250n)).toEqual(new Date(2000));
    expect(reachedAt(p, 300n)).toEqual(new Date(3000));
    expect(reachedAt(p, 50n)).toBeUndefined();
    expect(reachedAt(p, undefined)).toBeUndefined();
  });
});

describe('recovery window', () => {
  const source = { name: 'db', pitr: { slot: 'pullback', maxLagSeconds: 300, connection: { host: '127.0.0.1', port: 5432, user: 'r' } } } as SourceConfig;
  const now = new Date('2026-12-03T14:02:00Z');
  const rec = { host: 'main', source: 'db', state: 'streaming' as const, updatedAt: now.toISOString(), restarts: 0, reachedAt: '2026-12-03T14:00:00Z', slotKeepSize: '10GB' };

  it('is green from the oldest base backup to the newest point received, within max_lag', () => {
    const w = recoveryWindow('main', source, bases, rec, now);
    expect(w).toMatchObject({ light: 'green', oldest: new Date(bases[0]!.endedAt), newest: new Date(rec.reachedAt), lagMs: 120_000, reasons: [] });
  });

  it('is red past max_lag, without base backup, after a gap no base backup followed; amber with an unlimited slot', () => {
    expect(recoveryWindow('main', source, bases, rec, new Date('2026-12-03T14:06:00Z')).light).toBe('red');
    expect(recoveryWindow('main', source, [], rec, now).light).toBe('red');
    const gap = { ...rec, state: 'gap' as const, gap: 'WAL lost', gapAt: '2026-12-03T10:00:00Z' };
    expect(recoveryWindow('main', source, bases, gap, now).light).toBe('red');
    expect(recoveryWindow('main', source, bases, { ...gap, gapAt: '2026-12-03T01:00:00Z' }, now).light).toBe('green');
    expect(recoveryWindow('main', source, bases, { ...rec, slotKeepSize: '-1' }, now).light).toBe('amber');
  });
});
