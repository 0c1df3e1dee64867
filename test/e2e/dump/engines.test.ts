// The engines against the real local servers through the local runner: versions, database lists,
// row counts, dump -> check -> restore, create/drop, and a MariaDB password read from an option file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DbConnection } from '../../../src/config/types.js';
import { getEngine } from '../../../src/engines/registry.js';
import { localRunner } from '../../../src/engines/runner.js';
import { dropMariaDatabase, dropPgDatabase, makeTempDir, mariadb, psql, registerCleanup, tableFingerprints } from '../../harness/index.js';
import { makeMariaSource, makePgSource, makeSqliteSource, MARIA_CONN, PG_CONN, sqliteDump } from './fixtures.js';

const run = localRunner({ timeoutMs: 60_000 });
const scratchName = (p: string) => `${p}_${process.pid}_${randomBytes(3).toString('hex')}`;

describe('postgres engine (local server)', () => {
  const pg = getEngine('postgres');

  it('reads the version, lists databases and counts rows exactly', async () => {
    const db = await makePgSource(25);
    expect(pg.parseVersion(await run.run(pg.versionArgv(PG_CONN), { reason: 'version' }))).toMatch(/^\d+\.\d+$/);
    expect(pg.parseDatabaseList(await run.run(pg.listDatabasesArgv(PG_CONN), { reason: 'list' }))).toContain(db);
    expect(await pg.rowCounts(run, PG_CONN, db)).toEqual({ 'billing.invoices': 120, 'public.Weird Name tab': 40, 'public.empty_one': 0, 'public.users': 25 });
    expect(await run.run(pg.queryArgv(PG_CONN, db, 'SELECT count(*), max(id) FROM users'), { reason: 'query' })).toBe('25\t25');
  });

  it('dumps, checks (refusing a truncated copy), creates, restores and drops', async () => {
    const db = await makePgSource(50);
    const dir = makeTempDir('pg-engine');
    const file = join(dir, 'a.pgdump');
    await run.run(pg.dumpArgv(PG_CONN, db, file), { reason: 'dump' });
    expect(await pg.checkDump(run, file)).toBeUndefined();
    const target = scratchName('pbeng_restore');
    registerCleanup(() => dropPgDatabase(target));
    await run.run(pg.createDatabaseArgv(PG_CONN, target), { reason: 'create' });
    await run.run(pg.restoreArgv(PG_CONN, target, file, { noOwner: true }), { reason: 'restore' });
    expect(await tableFingerprints('postgres', target)).toEqual(await tableFingerprints('postgres', db));
    await run.run(pg.dropDatabaseArgv(PG_CONN, target), { reason: 'drop' });
    expect(await psql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${target}'`)).toBe('0');

    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    expect(await pg.checkDump(run, file)).toMatch(/^pg_restore .*failed: exited 1: pg_restore: error/);
  });

  it('dumps globals ending with the cluster trailer', async () => {
    const file = join(makeTempDir('pg-globals'), 'g.sql');
    await run.run(pg.globalsDumpArgv!(PG_CONN, file), { reason: 'globals' });
    expect(await pg.checkDump(run, file, 'globals')).toBeUndefined();
    writeFileSync(file, readFileSync(file, 'utf8').replace(/-- PostgreSQL database cluster dump complete/, ''));
    expect(await pg.checkDump(run, file, 'globals')).toMatch(/incomplete/);
  });
});

describe('mariadb and mysql engines (local server)', () => {
  it('counts rows, dumps, checks, restores through source, with both program families', async () => {
    const db = await makeMariaSource(30);
    for (const name of ['mariadb', 'mysql'] as const) {
      const e = getEngine(name);
      expect(e.parseVersion(await run.run(e.versionArgv(MARIA_CONN), { reason: 'version' }))).toMatch(/^\d+\.\d+\.\d+/);
      expect(e.parseDatabaseList(await run.run(e.listDatabasesArgv(MARIA_CONN), { reason: 'list' }))).toContain(db);
      expect(await e.rowCounts(run, MARIA_CONN, db)).toEqual({ audit: 30, 'odd name': 40, users: 30 });
      expect(await run.run(e.queryArgv(MARIA_CONN, db, 'SELECT COUNT(*), MAX(id) FROM users'), { reason: 'query' })).toBe('30\t30');
      const file = join(makeTempDir(`${name}-engine`), 'a b.sql');
      await run.run(e.dumpArgv(MARIA_CONN, db, file), { reason: 'dump' });
      expect(await e.checkDump(run, file)).toBeUndefined();
      const target = scratchName(`pbeng_${name}`);
      registerCleanup(() => dropMariaDatabase(target));
      await run.run(e.createDatabaseArgv(MARIA_CONN, target), { reason: 'create' });
      await run.run(e.restoreArgv(MARIA_CONN, target, file), { reason: 'restore' });
      expect(await tableFingerprints('mariadb', target)).toEqual(await tableFingerprints('mariadb', db));
      await run.run(e.dropDatabaseArgv(MARIA_CONN, target), { reason: 'drop' });
    }
  });

  it('fails a restore at the first error instead of carrying on', async () => {
    const e = getEngine('mariadb');
    const target = scratchName('pbeng_bad');
    registerCleanup(() => dropMariaDatabase(target));
    await run.run(e.createDatabaseArgv(MARIA_CONN, target), { reason: 'create' });
    const file = join(makeTempDir('maria-bad'), 'bad.sql');
    writeFileSync(file, 'CREATE TABLE a (x INT);\nSELECT no_such_column;\nCREATE TABLE b (x INT);\n');
    await expect(run.run(e.restoreArgv(MARIA_CONN, target, file), { reason: 'restore' })).rejects.toThrow(/^restore: exited 1/);
    expect(await mariadb(target, 'SHOW TABLES')).toBe('a');
  });

  it('reads the password from the option file, never argv', async () => {
    const db = await makeMariaSource(5);
    const user = scratchName('pbeng_u');
    const password = randomBytes(12).toString('hex');
    await mariadb(undefined, `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON \`${db}\`.* TO '${user}'@'127.0.0.1';`);
    registerCleanup(() => mariadb(undefined, `DROP USER IF EXISTS '${user}'@'127.0.0.1'`).then(() => undefined));
    const dir = makeTempDir('maria-pw');
    const optionFile = join(dir, 'my.cnf');
    writeFileSync(optionFile, `[client]\npassword=${password}\n`, { mode: 0o600 });
    const conn: DbConnection = { ...MARIA_CONN, user, passwordFile: optionFile };
    const e = getEngine('mariadb');
    const argv = e.dumpArgv(conn, db, join(dir, 'd.sql'));
    expect(argv.join(' ')).not.toContain(password);
    await run.run(argv, { reason: 'dump' });
    expect(await e.checkDump(run, join(dir, 'd.sql'))).toBeUndefined();
    await expect(run.run(e.dumpArgv({ ...conn, passwordFile: undefined }, db, join(dir, 'e.sql')), { reason: 'no password' })).rejects.toThrow(/Access denied/);
  });
});

describe('sqlite engine (local files)', () => {
  it('backs up, counts, checks and restores files with awkward paths', async () => {
    const e = getEngine('sqlite');
    const dir = join(makeTempDir('sqlite-engine'), `we"ird 'dir' \\ é`);
    mkdirSync(dir);
    const src = join(dir, 'app.db');
    makeSqliteSource(src, 50);
    const out = join(dir, '.out "x".partial');
    const none: DbConnection = { host: '', port: 0, user: '' };
    await run.run(e.dumpArgv(none, src, out), { reason: 'backup' });
    expect(existsSync(`${out}-wal`) || existsSync(`${out}-shm`)).toBe(false);
    expect(await e.rowCounts(run, none, out)).toEqual({ items: 50, 'tags "x"': 7 });
    expect(await run.run(e.queryArgv(none, out, 'SELECT count(*), max(id) FROM items'), { reason: 'query' })).toBe('50\t50');
    expect(await e.checkDump(run, out)).toBeUndefined();
    const restored = join(dir, 'restored.db');
    await run.run(e.restoreArgv(none, restored, out), { reason: 'restore' });
    expect(sqliteDump(restored)).toEqual(sqliteDump(src));
    await run.run(e.dropDatabaseArgv(none, restored), { reason: 'drop' });
    expect(existsSync(restored)).toBe(false);

    await expect(run.run(e.dumpArgv(none, join(dir, 'missing.db'), join(dir, 'm')), { reason: 'backup' })).rejects.toThrow(/unable to open/);
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
    const bad = join(dir, 'bad.db');
    const bytes = readFileSync(out);
    bytes.fill(0x41, 4096, 8192); // clobber the second page
    writeFileSync(bad, bytes);
    expect(await e.checkDump(run, bad)).toMatch(/integrity_check|malformed|not a database/);
  });
});
