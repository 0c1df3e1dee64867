// The recovery window's light from catalog facts: the slot's headroom on the server (the WAL it
// holds against max_slot_wal_keep_size) makes it red at half, long before the server drops the slot.
import { describe, expect, it } from 'vitest';
import type { BaseBackupRecord, ReceiverRecord } from '../../../src/catalog/pitr.js';
import type { SourceConfig } from '../../../src/config/types.js';
import { pgSizeBytes, recoveryWindow } from '../../../src/archive/recovery-window.js';

const now = new Date('2026-12-07T12:00:00Z');
const source = { name: 'db', kind: 'database', path: '/d', exclude: [], pitr: { slot: 'pullback', maxLagSeconds: 300, connection: { host: '127.0.0.1', port: 5432, user: 'r' } } } as unknown as SourceConfig;
const base: BaseBackupRecord = { id: 1, host: 'main', source: 'db', startedAt: '2026-12-07T02:00:00Z', endedAt: '2026-12-07T02:01:00Z', timeline: 1, startLsn: '0/2000028', endLsn: '0/2000100', startWal: '000000010000000000000002', archive: 'main-x' };
const rec = (serverLsn: string, receivedLsn: string, slotKeepSize = '1GB'): ReceiverRecord => ({
  host: 'main',
  source: 'db',
  state: 'streaming',
  updatedAt: now.toISOString(),
  reachedAt: '2026-12-07T11:59:58Z',
  restarts: 0,
  serverLsn,
  receivedLsn,
  slotKeepSize,
});

describe('recovery window: the slot\'s headroom', () => {
  it('green while the slot keeps little WAL; red once it holds over half of max_slot_wal_keep_size', () => {
    expect(recoveryWindow('main', source, [base], rec('1/10000000', '1/0F000000'), now)).toMatchObject({ light: 'green', reasons: [] });
    const red = recoveryWindow('main', source, [base], rec('1/40000000', '1/00000000'), now);
    expect(red.light).toBe('red');
    expect(red.reasons).toEqual(['main/db: slot pullback holds 1024 MiB of WAL on the server, over half of max_slot_wal_keep_size (1GB): the receiver falls behind, and at 1GB the server drops the slot (a gap in the WAL)']);
    // Unlimited: no headroom to measure (amber for the setting itself).
    expect(recoveryWindow('main', source, [base], rec('1/40000000', '1/00000000', '-1'), now).light).toBe('amber');
  });

  it('reads the sizes SHOW prints', () => {
    expect(pgSizeBytes('1GB')).toBe(1024n ** 3n);
    expect(pgSizeBytes('512MB')).toBe(512n * 1024n ** 2n);
    expect(pgSizeBytes('-1')).toBeUndefined();
    expect(pgSizeBytes('64kB')).toBe(65536n);
  });
});

describe('recovery window of a MariaDB source (binary logs)', () => {
  const maria = { name: 'db', kind: 'database', path: '/d', exclude: [], pitr: { engine: 'mariadb', slot: 'pullback', maxLagSeconds: 300, connection: { host: '127.0.0.1', port: 3306, user: 'r' } } } as unknown as SourceConfig;
  const night: BaseBackupRecord = { id: 2, host: 'main', source: 'db', startedAt: '2026-12-07T02:00:00Z', endedAt: '2026-12-07T02:00:05Z', timeline: 0, startLsn: 'mysql-bin.000002:603', endLsn: 'mysql-bin.000002:603', startWal: 'mysql-bin.000002', archive: 'main-x' };
  const r = (reachedAt: string, extra: Partial<ReceiverRecord> = {}): ReceiverRecord => ({ host: 'main', source: 'db', state: 'streaming', updatedAt: now.toISOString(), reachedAt, restarts: 0, serverLsn: 'mysql-bin.000003:400', receivedLsn: 'mysql-bin.000003:400', ...extra });

  it('green from the night\'s dump to the newest point received; red past max_lag (5 min by default) and on a gap, in words of binary logs', () => {
    const green = recoveryWindow('main', maria, [night], r('2026-12-07T11:59:58Z'), now);
    expect(green).toMatchObject({ light: 'green', reasons: [], oldest: new Date(night.endedAt), newest: new Date('2026-12-07T11:59:58Z') });
    const late = recoveryWindow('main', maria, [night], r('2026-12-07T11:54:00Z'), now);
    expect(late.light).toBe('red');
    expect(late.reasons).toEqual(['main/db: the newest binary log received reaches 360 s ago, over max_lag 300 s (receiver streaming)']);
    const gap = recoveryWindow('main', maria, [night], r('2026-12-07T11:59:58Z', { state: 'gap', gap: 'binary logs lost: ...', gapAt: '2026-12-07T10:00:00Z' }), now);
    expect(gap.reasons).toEqual(['main/db: gap in the binary logs: binary logs lost: ...']);
    expect(recoveryWindow('main', maria, [], undefined, now).reasons[0]).toBe('main/db: no dump with a binary log position in an archive yet (the next pullback run takes one)');
  });
});
