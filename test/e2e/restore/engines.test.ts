// Restores of MariaDB and SQLite database sources end to end: a dropped MariaDB database and a
// damaged SQLite file come back with identical rows; the SQLite file is replaced atomically. A
// database that is gone comes back with the properties recorded at dump time (MariaDB character
// set and collations, SQLite mode, owner and WAL mode), and the checks say so; a dump without them
// still restores, with a check that says they were not verified.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMariaDatabase, dropMariaDatabase, makeTempDir, mariadb, runCli, startSshd, tableFingerprints, writeTestConfig, type SshdServer, type TestSource } from '../../harness/index.js';
import { backedUp, makeTrees, RESTORE_WORLD_CHECKS, type World } from './setup.js';

const sqliteDump = (file: string) => execFileSync('sqlite3', ['-readonly', file, '.dump'], { encoding: 'utf8' });

describe('pullback restore (mariadb, sqlite)', () => {
  it('restores a dropped MariaDB database and a damaged SQLite file', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbrestore');
    await mariadb(maria, `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50)) CHARACTER SET utf8mb4;
      INSERT INTO users SELECT seq, CONCAT('café ', seq) FROM seq_1_to_120; CREATE TABLE empty_one (x INT);`);
    const root = makeTempDir('restore-engines-');
    const liteDir = join(root, 'app data');
    mkdirSync(liteDir);
    const lite = join(liteDir, 'app.db');
    execFileSync('sqlite3', [lite], { input: "PRAGMA journal_mode = WAL; CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 80) INSERT INTO items SELECT x, 'item ' || x FROM c;" });
    const w = await backUpBoth(server, maria, lite);
    const rows = await tableFingerprints('mariadb', maria);
    const liteBefore = sqliteDump(lite);

    await dropMariaDatabase(maria);
    execFileSync('sqlite3', [lite], { input: 'DELETE FROM items WHERE id > 10; CREATE TABLE junk (x);' });
    writeFileSync(`${lite}-wal`, 'stale journal that must not be replayed');
    const r = await slowCli(w, 'restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await tableFingerprints('mariadb', maria)).toEqual(rows);
    expect(sqliteDump(lite)).toEqual(liteBefore);
    // The stale journal was removed, not replayed; the file stays in WAL mode, so reading it (the
    // row check, sqliteDump) leaves an empty -wal and a -shm beside it, as any reader does.
    expect(existsSync(`${lite}-wal`) ? readFileSync(`${lite}-wal`, 'utf8') : '').not.toContain('stale journal');
    expect(readdirSync(liteDir).filter((f) => !/^app\.db(-wal|-shm)?$/.test(f))).toEqual([]);
    expect(journalMode(lite)).toBe('wal');
    expect(r.stdout).toMatch(/PASS {2}maria: rows of mariadb .*: 2 tables, 120 rows, as at dump time/);
    expect(r.stdout).toMatch(/PASS {2}lite: rows of sqlite .*app\.db: 1 tables, 80 rows, as at dump time/);
    expect(r.stdout).toMatch(/PASS {2}lite: mode, owner and journal mode of sqlite .*app\.db: mode 0\d{3}, owner 0:0, journal mode wal, as the replaced file had them/);
  }, SLOW_MS);

  it('re-creates a dropped MariaDB database with its own collation and a deleted SQLite file with its mode, owner and WAL', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbcollate');
    // Not the server's default (utf8mb4): what CREATE DATABASE without a character set would give.
    await mariadb(undefined, `ALTER DATABASE \`${maria}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
    await mariadb(maria, `CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO t VALUES (1, 'ä'), (2, 'b');
      CREATE PROCEDURE p() SELECT COUNT(*) FROM t;
      CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.name = UPPER(NEW.name);`);
    const before = await mariaCollations(maria);
    expect(before).toContain('DATABASE latin1 latin1_swedish_ci');
    const liteDir = makeTempDir('restore-props-lite-');
    const lite = join(liteDir, 'app.db');
    execFileSync('sqlite3', [lite], { input: 'PRAGMA journal_mode = WAL; CREATE TABLE items (id INTEGER PRIMARY KEY); INSERT INTO items VALUES (1), (2);' });
    chmodSync(lite, 0o640);
    chownSync(lite, 33, 33); // www-data: an owner other than the login user (root) who restores
    const w = await backUpBoth(server, maria, lite);

    await dropMariaDatabase(maria);
    for (const f of readdirSync(liteDir)) rmSync(join(liteDir, f));
    const r = await slowCli(w, 'restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await mariaCollations(maria)).toEqual(before);
    expect(r.stdout).toMatch(/PASS {2}maria: character sets and collations of mariadb .*: character set latin1, collation latin1_swedish_ci, character sets and collations of 2 routine\(s\), trigger\(s\) or event\(s\), as dumped/);
    const st = statSync(lite);
    expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o640, uid: 33, gid: 33 });
    expect(journalMode(lite)).toBe('wal');
    expect(r.stdout).toMatch(/PASS {2}lite: mode, owner and journal mode of sqlite .*app\.db: mode 0640, owner 33:33, journal mode wal, as dumped/);
  }, SLOW_MS);

  it('restores a dump that recorded no properties (written by the server cron), saying they were not verified', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbcollate_cron');
    await mariadb(undefined, `ALTER DATABASE \`${maria}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
    await mariadb(maria, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);');
    const dir = join(makeTempDir('restore-props-cron-'), 'cron dumps');
    mkdirSync(dir);
    execFileSync('mariadb-dump', ['-h', '127.0.0.1', '-u', 'root', '--single-transaction', `--result-file=${join(dir, 'app.sql')}`, maria]);
    const w = await backedUp(makeTrees('restore-props-cron-x-', false), [{ name: 'cron', server, sources: [{ name: 'db', kind: 'database', path: dir, database: maria }] }], server);
    await dropMariaDatabase(maria);
    const r = await slowCli(w, 'restore', '--host', 'cron', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await mariadb(maria, 'SELECT COUNT(*) FROM t')).toBe('3');
    expect(r.stdout).toMatch(/WARN {2}db: character sets and collations of mariadb .*: not verified: the dump records none/);
  }, SLOW_MS);
});

/** Room for a restore of about thirty SSH commands on a machine so busy that each takes seconds (the harness's default is 110 s). */
const SLOW_MS = 600_000;
const slowCli = (w: World, ...args: string[]) => runCli(['--config', w.cfg.configPath, ...args], { timeoutMs: SLOW_MS });

/** Host `main` with a MariaDB source dumping `maria` and a SQLite source dumping the file `lite`, backed up once. */
async function backUpBoth(server: SshdServer, maria: string, lite: string): Promise<World> {
  const t = makeTrees('restore-engines-dumps-', false);
  for (const d of ['maria', 'lite']) mkdirSync(join(t.root, d));
  const sources: TestSource[] = [
    { name: 'maria', kind: 'database', path: join(t.root, 'maria'), dump: { engine: 'mariadb', databases: [maria], connection: { host: '127.0.0.1', port: 3306, user: 'root' } } },
    { name: 'lite', kind: 'database', path: join(t.root, 'lite'), dump: { engine: 'sqlite', databases: [lite] } },
  ];
  const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources }], global: RESTORE_WORLD_CHECKS });
  const w: World = { server, cfg, main: t, cli: (...args) => runCli(['--config', cfg.configPath, ...args]) };
  const r = await slowCli(w, 'run', '--host', 'main');
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  return w;
}

/** The database's default character set and collation, and each routine's and trigger's, one line each. */
async function mariaCollations(db: string): Promise<string[]> {
  const rows = await mariadb(
    undefined,
    `SELECT CONCAT_WS(' ', 'DATABASE', DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${db}'
     UNION ALL SELECT CONCAT_WS(' ', 'ROUTINE', ROUTINE_NAME, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${db}'
     UNION ALL SELECT CONCAT_WS(' ', 'TRIGGER', TRIGGER_NAME, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${db}'`,
  );
  return rows.split('\n').filter(Boolean).sort();
}

/** `PRAGMA journal_mode` of a database file, read read-write so SQLite removes its -wal and -shm again on close. */
function journalMode(file: string): string {
  return execFileSync('sqlite3', [file, 'PRAGMA journal_mode'], { encoding: 'utf8' }).trim();
}
