// The physical backup tools' argv builders (exact arrays) and their output parsers.
import { describe, expect, it } from 'vitest';
import {
  buildBaseBackupArgs,
  buildCreateSlotArgs,
  buildProbeArgs,
  buildReceiveWalArgs,
  buildVerifyBackupArgs,
  formatLsn,
  manifestEndLsn,
  parseBackupLabel,
  parseLsn,
  parseProbe,
  walEnv,
} from '../../../src/engines/postgres-wal.js';

const conn = { socketDir: '/var/lib/pullback/pitr/main/db/sock', port: 5432, user: 'pullback_replication', passwordFile: '/etc/pullback/repl.pgpass' };

describe('postgres WAL tools', () => {
  it('pg_receivewal streams synchronously from the slot and exits on a lost connection; the password only as PGPASSFILE', () => {
    expect(buildReceiveWalArgs(conn, 'pullback', '/w')).toEqual([
      '--host', conn.socketDir, '--port', '5432', '--username', 'pullback_replication', '--no-password',
      '--directory', '/w', '--slot', 'pullback', '--synchronous', '--no-loop', '--status-interval=5',
    ]);
    expect(buildCreateSlotArgs(conn, 'pullback')).toEqual(['--host', conn.socketDir, '--port', '5432', '--username', 'pullback_replication', '--no-password', '--slot', 'pullback', '--create-slot', '--if-not-exists']);
    expect(walEnv(conn)).toEqual({ PGPASSFILE: '/etc/pullback/repl.pgpass' });
    expect(walEnv({ ...conn, passwordFile: undefined })).toEqual({});
  });

  it('pg_basebackup takes a plain backup with its WAL streamed and a manifest; pg_verifybackup reads it back', () => {
    expect(buildBaseBackupArgs(conn, '/m/base.new', 'pullback main/db')).toEqual([
      '--host', conn.socketDir, '--port', '5432', '--username', 'pullback_replication', '--no-password',
      '--pgdata', '/m/base.new', '--format=plain', '--wal-method=stream', '--checkpoint=fast', '--manifest-checksums=CRC32C', '--label', 'pullback main/db', '--no-sync',
    ]);
    expect(buildVerifyBackupArgs('/m/base.new')).toEqual(['--quiet', '/m/base.new']);
  });

  it('the probe asks IDENTIFY_SYSTEM and READ_REPLICATION_SLOT on a replication connection, and reads both answers', () => {
    const args = buildProbeArgs(conn, 'pullback');
    expect(args).toContain(`--dbname=host=${conn.socketDir} port=5432 user=pullback_replication dbname=replication replication=true`);
    expect(args.slice(-2)).toEqual(['--command=IDENTIFY_SYSTEM', '--command=READ_REPLICATION_SLOT pullback']);
    expect(parseProbe('7716579367934019029|1|0/1537590|\nphysical|0/1537500|1\n')).toEqual({ systemId: '7716579367934019029', timeline: 1, serverLsn: 0x1537590n, slotLsn: 0x1537500n, slotTimeline: 1 });
    // A slot that does not exist: its fields are empty.
    expect(parseProbe('7716579367934019029|2|1/0|\n||\n')).toEqual({ systemId: '7716579367934019029', timeline: 2, serverLsn: 1n << 32n });
    expect(parseProbe('ERROR')).toBeUndefined();
  });

  it('LSNs round-trip; backup_label and the manifest give the start and end', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(() => parseLsn('16-B3')).toThrow();
    const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-07 15:00:00 UTC\nLABEL: pullback main/db\nSTART TIMELINE: 1\n';
    expect(parseBackupLabel(label)).toEqual({ startLsn: 0x2000028n, startWal: '000000010000000000000002', timeline: 1, label: 'pullback main/db' });
    expect(parseBackupLabel('nothing')).toBeUndefined();
    expect(manifestEndLsn(JSON.stringify({ 'WAL-Ranges': [{ Timeline: 1, 'Start-LSN': '0/2000028', 'End-LSN': '0/2000100' }] }))).toBe(0x2000100n);
  });
});
