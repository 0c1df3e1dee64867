// The binary log receiver of a MariaDB source under `pullback daemon`, against a real mariadbd
// (log-bin, ROW) behind a harness sshd whose key may only forward to it: it streams the logs
// through the tunnel with mariadb-binlog, records how far they reach, follows a rotation, is
// restarted when killed without leaving a hole; the night archives the dump (with its binary log
// position) and the logs beside it, and status shows the window; logs purged on the server before
// the receiver got them are a gap, red in status until the next dump.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { binlogWorld, holdLockInChild, queryCatalog } from '../../harness/index.js';

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The mariadb-binlog streaming under `daemonPid`. */
function receiverPid(daemonPid: number): number | undefined {
  const seen: number[] = [];
  const walk = (p: number) => {
    for (const c of childrenOf(p)) {
      try {
        if (/mariadb-binlog.*--stop-never/.test(readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' '))) seen.push(c);
      } catch {
        // gone
      }
      walk(c);
    }
  };
  walk(daemonPid);
  return seen.at(-1);
}

describe('binary log receiver', () => {
  it('streams through the tunnel, survives a kill without a hole, is archived beside the dump; a purge is a gap', async () => {
    const w = await binlogWorld();
    await w.my.sql('appdb', 'CREATE TABLE ledger (id INT AUTO_INCREMENT PRIMARY KEY, note TEXT NOT NULL)');
    const d = await w.receiving();
    const dir = join(w.cfg.stateDir, 'pitr', 'main', 'db', 'binlog');

    const wrote = new Date();
    await w.my.sql('appdb', "INSERT INTO ledger (note) VALUES ('one'), ('two'); FLUSH BINARY LOGS; INSERT INTO ledger (note) VALUES ('three')");
    await w.until('the newest reachable point passes the inserts', () => new Date(w.receiver()?.reached_at ?? 0) > wrote);
    const pid = receiverPid(d.process.pid!);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await w.until('the receiver was restarted', () => (w.receiver()?.restarts ?? 0) >= 1);
    const again = new Date();
    await w.my.sql('appdb', "INSERT INTO ledger (note) VALUES ('after the kill')");
    await w.until('streaming again past the restart', () => w.receiver()?.state === 'streaming' && new Date(w.receiver()?.reached_at ?? 0) > again);

    // Every log from the first received on, none missing, each read whole by mariadb-binlog, the rows in them.
    const logs = readdirSync(dir).filter((f) => /^mysql-bin\.\d{6}$/.test(f)).sort();
    expect(logs.length).toBeGreaterThanOrEqual(2);
    const seqs = logs.map((f) => Number(f.split('.')[1]));
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const decoded = await execa('mariadb-binlog', ['--no-defaults', '--base64-output=decode-rows', '-v', ...logs.map((f) => join(dir, f))], { reject: false });
    expect(decoded.exitCode, decoded.stderr).toBe(0);
    for (const note of ['one', 'three', 'after the kill']) expect(decoded.stdout).toContain(`'${note}'`);
    // Byte for byte the server's own files (the log received again after the kill was rewritten, not
    // appended to); but for the flags of the first event at offset 21: the server marks the log it
    // writes "in use" (LOG_EVENT_BINLOG_IN_USE_F) in its own file, not in the copy it sends.
    const same = (a: Buffer, b: Buffer) => a.length === b.length && a.subarray(0, 21).equals(b.subarray(0, 21)) && a.subarray(22).equals(b.subarray(22));
    await w.until('the received logs are the server\'s, byte for byte', () => logs.every((f) => same(readFileSync(join(dir, f)), readFileSync(join(w.my.dataDir, f)))));

    // The night: the dump records its position; the logs from it on go beside it into the archive.
    const night = await w.run('run');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);
    const [base] = queryCatalog<{ start_wal: string; start_lsn: string; archive: string }>(w.cfg.stateDir, "SELECT start_wal, start_lsn, archive FROM pitr_base_backups WHERE host = 'main' AND source = 'db'");
    expect(base?.start_lsn).toMatch(/^mysql-bin\.\d{6}:\d+$/);
    expect(base?.archive).toMatch(/^main-\d{8}T\d{6}Z$/);
    const [dump] = queryCatalog<{ record: string }>(w.cfg.stateDir, "SELECT record FROM dumps WHERE host = 'main' AND source = 'db'");
    expect(JSON.parse(dump!.record).binlogPosition).toEqual({ file: base!.start_wal, position: Number(base!.start_lsn.split(':')[1]) });
    const listed = await w.run('ls', '--host', 'main', '.pitr/db/binlog');
    expect(listed.exitCode, listed.stdout + listed.stderr).toBe(0);
    expect(listed.stdout).toContain(base!.start_wal);
    const status = await w.run('status', '--json');
    const win = JSON.parse(status.stdout).recovery_windows[0];
    expect(win.status, JSON.stringify(win)).toBe('green');
    expect(win.oldest_at).not.toBeNull();
    const list = await w.run('list', '--host', 'main');
    expect(list.stdout).toMatch(/main +db +GREEN/);
    const report = await w.run('report', '--format', 'json');
    expect(JSON.parse(report.stdout).hosts[0].recovery_windows[0]).toMatchObject({ host: 'main', source: 'db', status: 'green', base_backups: 1 });

    // Away while the server rotates and purges: the logs between are lost, a gap, red.
    expect(await d.stop()).toBe(0);
    await w.my.sql('appdb', "INSERT INTO ledger (note) VALUES ('lost'); FLUSH BINARY LOGS; FLUSH BINARY LOGS");
    const current = (await w.my.sql(undefined, 'SHOW MASTER STATUS')).split('\t')[0]!;
    // The server keeps a log a dump thread still reads (the old connection's, until it notices it is gone): purge until it went.
    await w.until('the server purged the logs before the current one', async () => {
      await w.my.sql(undefined, `PURGE BINARY LOGS TO '${current}'`);
      return (await w.my.sql(undefined, 'SHOW BINARY LOGS')).split('\n')[0]!.startsWith(`${current}\t`);
    }, 120_000);
    // A run of the host holds the run lock while the gap is found: the daemon's answer (a run, a new dump) waits for it.
    const manual = await holdLockInChild(join(w.cfg.stateDir, 'locks', 'run.lock'), 'pullback run (test)');
    const d2 = w.daemon();
    await w.until('the gap is recorded', () => w.receiver()?.gap != null, 120_000).catch((e) => {
      throw new Error(`${String(e)}: ${JSON.stringify(w.receiver())}\n${d2.output().slice(-3000)}`);
    });
    expect(w.receiver()!.gap).toMatch(/binary logs lost: the server no longer has mysql-bin\.\d{6}, the newest binary log received/);
    expect(readdirSync(join(w.cfg.stateDir, 'pitr', 'main', 'db')).some((n) => n.startsWith('binlog-before-gap-'))).toBe(true);
    const red = await w.run('status', '--json');
    expect(red.exitCode).toBe(1);
    const redWindow = JSON.parse(red.stdout).recovery_windows[0];
    expect(redWindow.status).toBe('red');
    expect(redWindow.reasons.join('\n')).toMatch(/gap in the binary logs: binary logs lost/);
    // A dry run to the newest point reads the logs from last night's dump on and finds the hole.
    const dry = await w.run('restore', '--host', 'main', '--only', 'db', '--at', 'latest', '--dry-run');
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(1);
    expect(dry.stdout).toMatch(/FAIL {2}the binary logs from mysql-bin\.\d{6} on: a gap: \d+ binary log\(s\) missing \(mysql-bin\.\d{6}/);
    // Once the lock is free, the daemon answers the gap with a run of the host: tonight's dump starts a new window, green.
    await manual.kill();
    await w.until('the daemon ran the host after the gap', () => w.receiver()?.gap == null, 150_000);
    const green = await w.run('status', '--json');
    expect(JSON.parse(green.stdout).recovery_windows[0]).toMatchObject({ status: 'green', reasons: [] });
    expect(await d2.stop()).toBe(0);
  }, 400_000);

  it('makes status red once the newest binary log point received is older than max_lag (the daemon stopped)', async () => {
    const w = await binlogWorld({ maxLag: '15s' });
    const d = await w.receiving();
    expect(await d.stop()).toBe(0);
    let reasons: string[] = [];
    await w.until('status names the lag', async () => {
      const r = await w.run('status', '--json');
      reasons = JSON.parse(r.stdout).recovery_windows[0].reasons as string[];
      return r.exitCode === 1 && reasons.some((x) => x.includes('over max_lag'));
    }, 120_000);
    expect(reasons.join('\n')).toMatch(/main\/db: the newest binary log received reaches \d+ s ago, over max_lag 15 s \(receiver stopped\)/);
  }, 200_000);
});
