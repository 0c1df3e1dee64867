// `restore --at T --whole-cluster --yes` with real parts: the cluster behind the harness sshd (its
// data directory in a temp dir, stopped and started with pg_ctl as the postgres user through
// pitr.server, over SSH as root) holds appdb (a ledger around a marker at T, then DROP TABLE) and
// otherdb (changed after T). The restore proves the recovered cluster in a scratch cluster, then
// replaces the server's whole cluster: both databases are their state at T, the old data directory
// is kept aside on the server, and `restore --rollback ID` puts the dropped state back.
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { ledgerAroundMarker, pitrWorld, queryCatalog } from '../../harness/index.js';

/** `YYYY-MM-DD HH:MM:SS` in this process's time zone (what an operator types). */
function localText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

describe('restore --at --whole-cluster', () => {
  it('replaces the server\'s whole cluster by its state at T, keeps the old data directory aside, and rollback puts it back', async () => {
    const w = await pitrWorld({ pgConf: ['track_commit_timestamp = on'], pitrServer: true });
    await w.pg.sql('postgres', 'CREATE DATABASE otherdb;');
    await w.pg.sql('otherdb', "CREATE TABLE notes (id serial PRIMARY KEY, note text); INSERT INTO notes (note) VALUES ('before');");
    await w.pg.sql('appdb', 'CREATE TABLE ledger (id serial PRIMARY KEY, note text NOT NULL); CREATE TABLE after_drop (note text);');
    const sysid = await w.pg.sql('postgres', 'SELECT system_identifier FROM pg_control_system();');
    const daemon = await w.receiving();
    const night = await w.run('run');
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);

    const { T, expected } = await ledgerAroundMarker(w);
    expect(expected.length).toBeGreaterThan(2);
    await w.pg.sql('otherdb', "INSERT INTO notes (note) VALUES ('after T');");
    await w.pg.sql('appdb', 'DROP TABLE ledger;');
    await w.pg.sql('appdb', "INSERT INTO after_drop VALUES ('after the drop');");
    const afterDrop = new Date();
    await w.until('the received WAL reaches past the DROP', () => new Date(w.receiver()?.reached_at ?? 0) > afterDrop);
    // The receiver is stopped: the restored cluster starts a new timeline without the slot.
    expect(await daemon.stop()).toBe(0);

    // Without pitr.server's keys it would be refused; with them the dry run names what it replaces and reads everything.
    const dry = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--whole-cluster', '--dry-run');
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/base backup .*archive main-\d{8}T\d{6}Z/);
    expect(dry.stdout).toMatch(/WAL range +from [0-9A-F]{24}/);
    expect(dry.stdout).toContain(`replaces      the whole PostgreSQL cluster of main in ${w.pg.dataDir} (PostgreSQL 15`);
    expect(dry.stdout).toContain(`system identifier ${sysid})`);
    expect(dry.stdout).toMatch(/PASS {2}every chunk of the base backup in main-\d{8}T\d{6}Z: read and verified/);
    expect(dry.stdout).toMatch(/PASS {2}the WAL from [0-9A-F]{24} on: \d+ segment\(s\) without a gap/);
    expect(dry.stdout).toContain(`PASS  the cluster it replaces on main: data directory ${w.pg.dataDir}, PostgreSQL 15`);
    expect(dry.stdout).toMatch(/PASS {2}the PostgreSQL major version: the base backup's 15, the server's 15/);
    expect(dry.stdout).toMatch(/PASS {2}free space on main for the data directory twice: /);
    expect(dry.stdout).toContain('PASS  tablespaces: none outside the data directory');
    expect(dry.stdout).toContain('Dry run: every check passed; nothing was recovered or changed.');
    expect(await w.pg.sql('appdb', "SELECT to_regclass('ledger') IS NULL;")).toBe('t');
    // A server that is down (stopped, or broken) is read from its data directory: version and system identifier from PG_VERSION and pg_control.
    await w.pg.stop();
    const down = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--whole-cluster', '--dry-run');
    await w.pg.start();
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(down.stdout).toContain(`PASS  the cluster it replaces on main: data directory ${w.pg.dataDir}, PostgreSQL 15, system identifier ${sysid}; read from the data directory: the server does not answer`);
    expect(down.stdout).toMatch(/PASS {2}the PostgreSQL major version: the base backup's 15, the server's 15/);

    // A failure before the server is stopped changes nothing: a data directory that is not the server's.
    const hostFile = w.cfg.hostFile('main');
    const good = readFileSync(hostFile, 'utf8');
    expect(good).toContain(w.pg.dataDir);
    // Another data directory of the same cluster's files (a copy left by hand): not the one the server runs from.
    mkdirSync(`${w.pg.dataDir}-elsewhere/global`, { recursive: true });
    cpSync(`${w.pg.dataDir}/PG_VERSION`, `${w.pg.dataDir}-elsewhere/PG_VERSION`);
    cpSync(`${w.pg.dataDir}/global/pg_control`, `${w.pg.dataDir}-elsewhere/global/pg_control`);
    writeFileSync(hostFile, good.split(w.pg.dataDir).join(`${w.pg.dataDir}-elsewhere`));
    const wrong = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--whole-cluster', '--yes');
    expect(wrong.exitCode, wrong.stdout + wrong.stderr).toBe(1);
    expect(wrong.stdout).toContain(`FAIL  the cluster it replaces on main: the server runs from ${w.pg.dataDir} (system identifier ${sysid}), pitr.server.data_directory says ${w.pg.dataDir}-elsewhere (system identifier ${sysid})`);
    expect(wrong.stdout).toMatch(/SKIPPED stop_server: not run: readiness failed/);
    expect(wrong.stdout).toContain('Nothing on main was changed.');
    expect(await w.pg.sql('appdb', "SELECT to_regclass('ledger') IS NULL, (SELECT note FROM after_drop);")).toBe('t\tafter the drop');

    // A failure after the stop (pg_ctl start refused: its log file cannot be written) names the rollback, which puts the old cluster back and starts it.
    const log = `${dirname(w.pg.dataDir)}/log`;
    expect(good).toContain(log);
    writeFileSync(hostFile, good.split(log).join('/nonexistent-pullback-test/log'));
    const broken = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--whole-cluster', '--yes');
    writeFileSync(hostFile, good);
    expect(broken.exitCode, broken.stdout + broken.stderr).toBe(1);
    const brokenId = /Restore (\d+):/.exec(broken.stdout)?.[1];
    expect(broken.stdout).toMatch(/FAILED +start_server: \S*runuser -u postgres -- \S+pg_ctl .* exited 1/);
    expect(broken.stdout).toMatch(/OK +start_writes: /);
    expect(broken.stdout).toMatch(new RegExp(`main was changed; put its previous cluster back with: pullback --config \\S+ restore --rollback ${brokenId} --yes`));
    const back = await w.run('restore', '--rollback', brokenId!, '--yes');
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    expect(await w.pg.sql('appdb', "SELECT to_regclass('ledger') IS NULL, (SELECT note FROM after_drop);")).toBe('t\tafter the drop');

    const r = await w.run('restore', '--host', 'main', '--only', 'db', '--at', localText(T), '--whole-cluster', '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const id = /Restore (\d+):/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    for (const step of ['readiness', 'recover', 'stop_writes', 'stop_server', 'snapshot', 'push', 'start_server', 'checks', 'start_writes']) expect(r.stdout).toMatch(new RegExp(`OK +${step}: `));
    expect(r.stdout).toContain('pg_is_in_recovery(): false');
    // Exactly the rows committed at or before T, the marker among them; what came after T is gone, in every database.
    expect((await w.pg.sql('appdb', 'SELECT id FROM ledger ORDER BY id;')).split('\n')).toEqual(expected);
    expect(await w.pg.sql('appdb', "SELECT count(*) FROM ledger WHERE note = 'marker';")).toBe('1');
    expect(await w.pg.sql('appdb', 'SELECT count(*) FROM after_drop;')).toBe('0');
    expect(await w.pg.sql('otherdb', 'SELECT note FROM notes ORDER BY id;')).toBe('before');
    expect(await w.pg.sql('postgres', 'SELECT pg_is_in_recovery(), system_identifier FROM pg_control_system();')).toBe(`f\t${sysid}`);
    // The data directory: the postgres user's, 0700; the old one kept aside beside it.
    const pgUid = Number(execaSync('id', ['-u', 'postgres']).stdout);
    expect(statSync(w.pg.dataDir).uid).toBe(pgUid);
    expect(statSync(w.pg.dataDir).mode & 0o777).toBe(0o700);
    const aside = `${w.pg.dataDir}.pullback-before-restore-${id}`;
    expect(existsSync(`${aside}/PG_VERSION`)).toBe(true);
    expect(r.stdout).toContain(`the previous data directory is kept at ${aside}`);
    // Recorded as the restore's safety snapshot: an interrupted restore's notice names its rollback.
    expect(queryCatalog<{ snapshot_repository: string; snapshot_archive: string; status: string }>(w.cfg.stateDir, `SELECT snapshot_repository, snapshot_archive, status FROM restores WHERE id = ${Number(id)}`)).toEqual([{ snapshot_repository: 'server:main', snapshot_archive: aside, status: 'ok' }]);
    expect(r.stdout).toMatch(new RegExp(`Undo it: pullback --config \\S+ restore --rollback ${id} --yes`));

    // Rollback: the dropped state (no ledger, the row after the drop, otherdb's change after T) is back.
    const rb = await w.run('restore', '--rollback', id!, '--yes');
    expect(rb.exitCode, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(/OK +swap: /);
    expect(await w.pg.sql('appdb', "SELECT to_regclass('ledger') IS NULL, (SELECT note FROM after_drop);")).toBe('t\tafter the drop');
    expect(await w.pg.sql('otherdb', 'SELECT note FROM notes ORDER BY id;')).toBe('before\nafter T');
    expect(existsSync(aside)).toBe(false);
    expect(existsSync(`${w.pg.dataDir}.pullback-rolled-back-${id}/PG_VERSION`)).toBe(true);
  }, 480_000);
});
