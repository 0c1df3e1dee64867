// `restore --at T --yes` of a MariaDB source, with real parts: a mariadbd (log-bin, ROW) behind the
// harness sshd holds appdb (dumped by the source with pitr:) and otherdb; a ledger writer in appdb
// (each row stamped with the second its statement ran, the second its binary log event carries), a
// marker, T, DROP TABLE. The restore loads the night's dump into a scratch server, replays the
// received binary logs up to T and puts appdb in place through the nightly restore's path. appdb then
// holds exactly the rows logged at or before T's second, otherdb is as it was, and
// `restore --rollback ID` puts back what the restore replaced.
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { binlogWorld, CLI_PATH } from '../../harness/index.js';

/** `YYYY-MM-DD HH:MM:SS` in this process's time zone (what an operator types). */
function localText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

describe('restore --at of a MariaDB source', () => {
  it('puts appdb back as it was at T from the dump and the binary logs; otherdb untouched; rollback undoes it', async () => {
    const w = await binlogWorld();
    await w.my.sql(undefined, "CREATE DATABASE otherdb; CREATE TABLE otherdb.notes (id INT AUTO_INCREMENT PRIMARY KEY, note TEXT); INSERT INTO otherdb.notes (note) VALUES ('before')");
    await w.my.sql('appdb', "CREATE TABLE ledger (id INT AUTO_INCREMENT PRIMARY KEY, at BIGINT NOT NULL DEFAULT (UNIX_TIMESTAMP()), note TEXT NOT NULL); CREATE TABLE after_drop (note TEXT); INSERT INTO ledger (note) VALUES ('before the night')");
    const daemon = await w.receiving();
    const night = await w.run('run');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);

    // The writer around a marker: rows before it, T the next whole second after it, rows after T's second.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await w.my.sql('appdb', "INSERT INTO ledger (note) VALUES ('row')");
        written++;
      }
    })();
    await w.until('the writer wrote 10 rows', () => written >= 10);
    // Changes to the other database before T, one of them from appdb as the default database: the
    // replay of appdb's events must leave them out (the scratch server has no otherdb: a replayed one would fail).
    await w.my.sql('appdb', "INSERT INTO otherdb.notes (note) VALUES ('before T, from appdb')");
    await w.my.sql('otherdb', "INSERT INTO notes (note) VALUES ('before T')");
    await w.my.sql('appdb', "INSERT INTO ledger (note) VALUES ('marker')");
    const T = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
    const t = T.getTime() / 1000;
    await w.until('the writer wrote 5 rows after T\'s second', async () => Number(await w.my.sql('appdb', `SELECT COUNT(*) FROM ledger WHERE at > ${t}`)) >= 5, 120_000);
    writing = false;
    await writer;
    const expected = (await w.my.sql('appdb', `SELECT id FROM ledger WHERE at <= ${t} ORDER BY id`)).split('\n');
    expect(expected.length).toBeGreaterThan(10);
    const all = (await w.my.sql('appdb', 'SELECT id FROM ledger ORDER BY id')).split('\n');
    // The drop in a second of its own, D: every row was logged before it.
    const lastRow = Number(await w.my.sql('appdb', 'SELECT MAX(at) FROM ledger'));
    await w.until('the clock is past the last row\'s second', () => Date.now() >= (lastRow + 1) * 1000);
    const D = new Date(Math.floor(Date.now() / 1000) * 1000);
    await w.my.sql('appdb', "DROP TABLE ledger; INSERT INTO after_drop VALUES ('after the drop')");
    await w.my.sql('otherdb', "INSERT INTO notes (note) VALUES ('after T')");
    const otherBefore = await w.my.sql('otherdb', 'SELECT id, note FROM notes ORDER BY id');
    const afterDrop = new Date();
    await w.until('the received binary logs reach past the DROP', () => new Date(w.receiver()?.reached_at ?? 0) > afterDrop);

    // The plan names the dump and its position, the logs, the target and the database it replaces; the checklist reads them.
    const dry = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--dry-run');
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dump +.*archive main-\d{8}T\d{6}Z, binary log position mysql-bin\.\d{6}:\d+/);
    expect(dry.stdout).toMatch(/replaces +mariadb database appdb on 127\.0\.0\.1:\d+ of main/);
    expect(dry.stdout).toMatch(/PASS {2}every chunk of the dump\(s\) in main-\d{8}T\d{6}Z: read and verified/);
    expect(dry.stdout).toMatch(/PASS {2}the binary logs from mysql-bin\.\d{6} on: \d+ log\(s\) without a gap/);
    const early = await w.run('restore', '--host', 'main', '--only', 'db', '--at', '2001-01-01 00:00:00', '--yes');
    expect(early.exitCode).toBe(1);
    expect(early.stdout).toMatch(/before the oldest point reachable: the recovery window is /);

    const r = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Recovered to .* in a scratch MariaDB server/);
    // The ordinary restore's data checks against the dump made from the scratch server: rows, character sets and collations.
    expect(r.stdout).toMatch(/PASS {2}db: rows of mariadb appdb on 127\.0\.0\.1:\d+: 2 tables, \d+ rows, as at dump time/);
    expect(r.stdout).toMatch(/PASS {2}db: character sets and collations of mariadb appdb/);
    expect(r.stdout).not.toContain('could not verify');
    // Exactly the rows logged at or before T's second, the marker among them; the row written after the drop is not there.
    expect((await w.my.sql('appdb', 'SELECT id FROM ledger ORDER BY id')).split('\n')).toEqual(expected);
    expect(await w.my.sql('appdb', "SELECT COUNT(*) FROM ledger WHERE note = 'marker'")).toBe('1');
    expect(await w.my.sql('appdb', 'SELECT COUNT(*) FROM after_drop')).toBe('0');
    expect(await w.my.sql('otherdb', 'SELECT id, note FROM notes ORDER BY id')).toBe(otherBefore);
    // The scratch server is gone.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('pullback-binlog-'))).toEqual([]);

    const id = /Restore (\d+):/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const rb = await w.run('restore', '--rollback', id!, '--yes');
    expect(rb.exitCode, rb.stdout + rb.stderr).toBe(0);
    expect(await w.my.sql('appdb', "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'appdb' AND table_name = 'ledger'")).toBe('0');
    expect(await w.my.sql('appdb', 'SELECT note FROM after_drop')).toBe('after the drop');

    // The table dropped at D, back with --at D-1s: exactly the rows written before D.
    const before = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(new Date(D.getTime() - 1000)), '--database', 'appdb', '--yes');
    expect(before.exitCode, before.stdout + before.stderr).toBe(0);
    expect((await w.my.sql('appdb', 'SELECT id FROM ledger ORDER BY id')).split('\n')).toEqual(all);
    expect(await w.my.sql('appdb', 'SELECT COUNT(*) FROM after_drop')).toBe('0');

    // Killed while its scratch server runs: the next restore --at removes what it left before anything else.
    const seen = new Set(readdirSync(tmpdir()));
    const killed = execa(process.execPath, [CLI_PATH, '--config', w.cfg.configPath, 'restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--yes'], { reject: false });
    let leftover = '';
    await w.until('the scratch server runs', () => {
      leftover = readdirSync(tmpdir()).find((n) => n.startsWith('pullback-binlog-') && !seen.has(n) && existsSync(join(tmpdir(), n, 'mariadbd.pid'))) ?? '';
      return leftover !== '';
    }, 180_000);
    killed.kill('SIGKILL');
    await killed;
    const again = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--yes');
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).toContain(`${join(tmpdir(), leftover)} (restore --at of process ${killed.pid})`);
    expect(existsSync(join(tmpdir(), leftover))).toBe(false);
    expect(readdirSync(join(w.cfg.stateDir, 'restore')).filter((n) => n.startsWith('pitr-'))).toEqual([]);
    expect((await w.my.sql('appdb', 'SELECT id FROM ledger ORDER BY id')).split('\n')).toEqual(expected);

    // latest: every event received replayed, from the night's dump through the drop, the restores and
    // the rollback since (each logged by the server as it changed appdb): appdb as it is now.
    const state = async () => [await w.my.sql('appdb', 'SELECT id, at, note FROM ledger ORDER BY id'), await w.my.sql('appdb', 'SELECT note FROM after_drop')];
    const now = await state();
    const settled = new Date();
    await w.until('the received binary logs reach past the last restore', () => new Date(w.receiver()?.reached_at ?? 0) > settled);
    const latest = await w.run('restore', '--host', 'main', '--only', 'db', '--at', 'latest', '--database', 'appdb', '--yes');
    expect(latest.exitCode, latest.stdout + latest.stderr).toBe(0);
    expect(await state()).toEqual(now);
    expect(await daemon.stop()).toBe(0);
  }, 420_000);
});
