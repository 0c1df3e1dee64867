// `restore --at T --yes` without --into, with real parts: the cluster behind the harness sshd holds
// two databases (appdb, dumped by the source with pitr:, and otherdb); a ledger writer in appdb, a
// marker at T, DROP TABLE; the restore recovers the cluster in a scratch cluster on the backup host,
// dumps appdb and puts it in place through the nightly restore's path. appdb then holds exactly the
// rows committed at or before T (by the server's commit timestamps), otherdb is as it was, and
// `restore --rollback ID` puts back what the restore replaced.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, ledgerAroundMarker, pitrWorld } from '../../harness/index.js';

/** Whether process `pid` runs (a zombie, which no init may have reaped yet, does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD HH:MM:SS` in this process's time zone (what an operator types). */
function localText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

describe('restore --at without --into', () => {
  it('puts one database back as it was at T through the logical restore path; the other database untouched; rollback undoes it', async () => {
    const w = await pitrWorld({ pgConf: ['track_commit_timestamp = on'] });
    await w.pg.sql('postgres', 'CREATE DATABASE otherdb;');
    await w.pg.sql('otherdb', "CREATE TABLE notes (id serial PRIMARY KEY, note text); INSERT INTO notes (note) VALUES ('before');");
    await w.pg.sql('appdb', 'CREATE TABLE ledger (id serial PRIMARY KEY, note text NOT NULL); CREATE TABLE after_drop (note text);');
    const daemon = await w.receiving();
    const night = await w.run('run');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);

    const { T, expected } = await ledgerAroundMarker(w);
    expect(expected.length).toBeGreaterThan(2);
    await w.pg.sql('appdb', 'DROP TABLE ledger;');
    await w.pg.sql('appdb', "INSERT INTO after_drop VALUES ('after the drop');");
    // The other database changes after T: the restore must leave that change alone.
    await w.pg.sql('otherdb', "INSERT INTO notes (note) VALUES ('after T');");
    const otherBefore = await w.pg.sql('otherdb', 'SELECT id, note FROM notes ORDER BY id;');
    const afterDrop = new Date();
    await w.until('the received WAL reaches past the DROP', () => new Date(w.receiver()?.reached_at ?? 0) > afterDrop);

    // The plan names the base backup, the WAL range, the target and the database it replaces.
    const dry = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--dry-run');
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/base backup .*archive main-\d{8}T\d{6}Z/);
    expect(dry.stdout).toMatch(/WAL range +from [0-9A-F]{24}/);
    expect(dry.stdout).toContain(`to ${T.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`);
    expect(dry.stdout).toMatch(/replaces +postgres database appdb on 127\.0\.0\.1:\d+ of main/);
    // Its checklist reads what the restore will read: the base backup's chunks, the WAL's, without a gap.
    expect(dry.stdout).toMatch(/PASS {2}every chunk of the base backup in main-\d{8}T\d{6}Z: read and verified \(borg extract --dry-run of \.pitr\/db\/base/);
    expect(dry.stdout).toMatch(/PASS {2}the WAL from [0-9A-F]{24} on: \d+ segment\(s\) without a gap up to [0-9A-F]{24}/);
    expect(dry.stdout).toContain('Dry run: every check passed; nothing was recovered or changed.');
    // A time outside the window is refused, naming it.
    const early = await w.run('restore', '--host', 'main', '--only', 'db', '--at', '2001-01-01 00:00:00', '--yes');
    expect(early.exitCode).toBe(1);
    expect(early.stdout).toMatch(/before the oldest point reachable: the recovery window is /);

    const r = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Recovered to .* in a scratch cluster/);
    expect(r.stdout).toMatch(/rows|row count/i);
    // Exactly the rows committed at or before T, the marker among them; the table made after T is gone.
    expect((await w.pg.sql('appdb', 'SELECT id FROM ledger ORDER BY id;')).split('\n')).toEqual(expected);
    expect(await w.pg.sql('appdb', "SELECT count(*) FROM ledger WHERE note = 'marker';")).toBe('1');
    expect(await w.pg.sql('appdb', 'SELECT count(*) FROM after_drop;')).toBe('0');
    // The other database: as it was, its change after T kept.
    expect(await w.pg.sql('otherdb', 'SELECT id, note FROM notes ORDER BY id;')).toBe(otherBefore);

    // Rollback: what the restore replaced (no ledger, the row written after the drop) is back.
    const id = /Restore (\d+):/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const rb = await w.run('restore', '--rollback', id!, '--yes');
    expect(rb.exitCode, rb.stdout + rb.stderr).toBe(0);
    expect(await w.pg.sql('appdb', "SELECT to_regclass('ledger') IS NULL, (SELECT note FROM after_drop);")).toBe('t\tafter the drop');
    expect(await w.pg.sql('otherdb', 'SELECT id, note FROM notes ORDER BY id;')).toBe(otherBefore);

    // Killed while its scratch cluster runs: the cluster (a postgres pg_ctl started) outlives it;
    // the next restore --at stops it and removes its folders before anything else.
    const before = new Set(readdirSync(tmpdir()));
    const killed = execa(process.execPath, [CLI_PATH, '--config', w.cfg.configPath, 'restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--yes'], { reject: false });
    let leftover = '';
    await w.until('the scratch cluster runs', () => {
      leftover = readdirSync(tmpdir()).find((n) => n.startsWith('pullback-pitr-') && !before.has(n) && existsSync(join(tmpdir(), n, 'data', 'postmaster.pid'))) ?? '';
      return leftover !== '';
    }, 180_000);
    const postmaster = Number(readFileSync(join(tmpdir(), leftover, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    killed.kill('SIGKILL');
    await killed;
    expect(alive(postmaster)).toBe(true);
    const again = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--yes');
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).toContain(`removed what killed point-in-time restores left: ${join(tmpdir(), leftover)} (restore --at of process ${killed.pid})`);
    expect(existsSync(join(tmpdir(), leftover))).toBe(false);
    expect(alive(postmaster)).toBe(false);
    expect(readdirSync(join(w.cfg.stateDir, 'restore')).filter((n) => n.startsWith('pitr-'))).toEqual([]);

    expect(await daemon.stop()).toBe(0);
  }, 420_000);
});
