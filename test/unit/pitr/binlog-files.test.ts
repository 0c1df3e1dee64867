import { describe, expect, it } from 'vitest';
import { binlogContinuity, binlogOrdinal, parseBinlogName } from '../../../src/pitr/binlog-files.js';
import { decideStart } from '../../../src/pitr/binlog-receiver.js';
import { buildBinlogProbeArgs, buildReceiveBinlogArgs, buildReplayArgs, binlogPrograms, parseBinlogProbe } from '../../../src/engines/mariadb-binlog.js';

describe('binary log files', () => {
  it('reads names, orders positions across files, finds missing logs from a start on', () => {
    expect(parseBinlogName('mysql-bin.000042')).toEqual({ name: 'mysql-bin.000042', base: 'mysql-bin', seq: 42 });
    expect(parseBinlogName('mysql-bin.index')).toBeUndefined();
    expect(binlogOrdinal('b.000002', 4) > binlogOrdinal('b.000001', 999_999_999)).toBe(true);
    const c = binlogContinuity(['b.000003', 'b.000001', 'b.000005', 'b.index'], 'b.000002');
    expect(c.files.map((f) => f.name)).toEqual(['b.000003', 'b.000005']);
    expect(c.missing).toEqual(['b.000002', 'b.000004']);
    expect(c.newest?.name).toBe('b.000005');
    expect(binlogContinuity([], 'b.000007').missing).toEqual(['b.000007']);
    expect(binlogContinuity(['b.000001', 'b.000002']).missing).toEqual([]);
  });

  it('builds the receiver, probe and replay argv: the option file first, the socket, never a password', () => {
    const c = { socket: '/s/.s.PGSQL.3306', user: 'repl', passwordFile: '/etc/pullback/r.cnf' };
    expect(buildReceiveBinlogArgs(c, '/st/binlog', 'mysql-bin.000003')).toEqual([
      '--defaults-extra-file=/etc/pullback/r.cnf', '--protocol=SOCKET', '--socket=/s/.s.PGSQL.3306', '--user=repl',
      '--read-from-remote-server', '--raw', '--stop-never', '--result-file=/st/binlog/', 'mysql-bin.000003',
    ]);
    expect(buildBinlogProbeArgs({ socket: '/s', user: 'repl' })[0]).toBe('--no-defaults');
    // latest: to the end of what was received.
    expect(buildReplayArgs(binlogPrograms('mariadb'), ['/a/b.000001'], 'shop', 4)).toEqual(['mariadb-binlog', '--no-defaults', '--database=shop', '--start-position=4', '--', '/a/b.000001']);
    expect(buildReplayArgs(binlogPrograms('mysql'), ['/a/b.000001', '/a/b.000002'], 'shop', 603, '2026-12-07 14:32:01')).toEqual([
      'mysqlbinlog', '--no-defaults', '--database=shop', '--start-position=603', '--stop-datetime=2026-12-07 14:32:01', '--', '/a/b.000001', '/a/b.000002',
    ]);
  });

  it('parses the probe: the current log and position, the logs the server still has', () => {
    expect(parseBinlogProbe('MASTER\nmysql-bin.000004\t385\t\t\nLOGS\nmysql-bin.000003\t1200\tNo\nmysql-bin.000004\t385\tNo\n')).toEqual({ file: 'mysql-bin.000004', position: 385, logs: ['mysql-bin.000003', 'mysql-bin.000004'] });
    expect(parseBinlogProbe('MASTER\nLOGS\n')).toBeUndefined();
  });
});

describe('where the binary log receiver starts', () => {
  const server = { file: 'mysql-bin.000009', position: 4, logs: ['mysql-bin.000007', 'mysql-bin.000008', 'mysql-bin.000009'] };
  it('the server\'s current log the first time; else the newest received, again', () => {
    expect(decideStart([], server)).toEqual({ start: 'mysql-bin.000009' });
    expect(decideStart(['mysql-bin.000007', 'mysql-bin.000008'], server)).toEqual({ start: 'mysql-bin.000008' });
  });
  it('a gap when the server purged the newest log received, or one is missing among those received', () => {
    expect(decideStart(['mysql-bin.000005', 'mysql-bin.000006'], server)).toEqual({
      start: 'mysql-bin.000009',
      gap: 'the server no longer has mysql-bin.000006, the newest binary log received (its oldest is mysql-bin.000007: purged before the receiver got the rest)',
    });
    expect(decideStart(['mysql-bin.000007', 'mysql-bin.000009'], server)).toEqual({ start: 'mysql-bin.000009', gap: '1 binary log(s) missing (mysql-bin.000008) among those received' });
    // RESET MASTER: the numbering starts again, the newest received is not among the server's.
    expect(decideStart(['mysql-bin.000008'], { file: 'mysql-bin.000001', position: 4, logs: ['mysql-bin.000001'] }).gap).toMatch(/no longer has mysql-bin\.000008/);
  });
});

describe('the replay\'s stop time', () => {
  it('is the second after the target\'s, in UTC: events logged in the target\'s second are kept', async () => {
    const { stopDatetime } = await import('../../../src/pitr/binlog-at-point.js');
    expect(stopDatetime(new Date('2026-12-07T14:32:06.000Z'))).toBe('2026-12-07 14:32:07');
    expect(stopDatetime(new Date('2026-12-07T14:32:06.999Z'))).toBe('2026-12-07 14:32:07');
    expect(stopDatetime(new Date('2026-12-31T23:59:59.500Z'))).toBe('2027-01-01 00:00:00');
  });
});
