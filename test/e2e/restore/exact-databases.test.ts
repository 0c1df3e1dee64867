// Databases come back exactly as the dump has them (real sshd, rsync, borg, PostgreSQL, MariaDB):
// objects created since the backup are gone and dropped ones are back, whatever depends on what;
// the database's own settings are the dump's; a session left connected does not block it; a
// rollback after such a restore works; a failure shows the tool's real error and says truthfully
// that nothing changed; --to maps database names onto the target's; cron-written dumps are
// chosen by time, not name, and restore into the configured database.
import { execa } from 'execa';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMariaDatabase, createPgDatabase, mariadb, psql, startSshd, tableFingerprints, type SshdServer, type TableFingerprint } from '../../harness/index.js';
import { pullbackTag } from '../../../src/restore/databases/postgres-swap.js';
import { backedUp, catalogRestores, makeTrees, stepDetails, type World } from './setup.js';

const PGC = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const MYC = { host: '127.0.0.1', port: 3306, user: 'root' };

/** Every schema object of a MariaDB database: tables, views, routines, triggers, events. */
async function mariaObjects(db: string): Promise<string[]> {
  const q = (sql: string) => mariadb(undefined, sql).then((t) => t.split('\n').filter(Boolean));
  return [
    ...(await q(`SELECT CONCAT(table_type, ' ', table_name) FROM information_schema.tables WHERE table_schema = '${db}' ORDER BY 1`)),
    ...(await q(`SELECT CONCAT('ROUTINE ', routine_name) FROM information_schema.routines WHERE routine_schema = '${db}' ORDER BY 1`)),
    ...(await q(`SELECT CONCAT('TRIGGER ', trigger_name) FROM information_schema.triggers WHERE trigger_schema = '${db}' ORDER BY 1`)),
    ...(await q(`SELECT CONCAT('EVENT ', event_name) FROM information_schema.events WHERE event_schema = '${db}' ORDER BY 1`)),
  ];
}

/** The database's own settings and comment, as PostgreSQL keeps them. */
async function pgDatabaseProperties(db: string): Promise<string> {
  return psql(
    'postgres',
    `SELECT pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), shobj_description(d.oid, 'pg_database'),
       (SELECT string_agg(array_to_string(s.setconfig, ','), ';') FROM pg_db_role_setting s WHERE s.setdatabase = d.oid)
     FROM pg_database d WHERE d.datname = '${db}'`,
  );
}

/** Work databases of a swap of `db` left behind (other test files restore at the same time: only this database's tag). */
const leftovers = async (db = pg) => {
  const tag = pullbackTag(db);
  return psql('postgres', `SELECT datname FROM pg_database WHERE datname LIKE 'pullback\\_new\\_${tag}\\_%' OR datname LIKE 'pullback\\_old\\_${tag}\\_%' ORDER BY 1`);
};

let server: SshdServer;
let w: World;
let pg: string;
let spareDb: string;
let maria: string;
let backup: { pg: Record<string, TableFingerprint>; pgProps: string; maria: Record<string, TableFingerprint>; mariaObjects: string[] };

beforeAll(async () => {
  server = await startSshd();
  pg = await createPgDatabase('pbexact');
  spareDb = await createPgDatabase('pbexact_spare');
  await psql(spareDb, 'CREATE TABLE spare_own (x int); INSERT INTO spare_own VALUES (1);');
  await psql(pg, `CREATE TABLE users (id int PRIMARY KEY, name text);
    INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 200) g;
    CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users(id));
    INSERT INTO orders SELECT g, 1 + g % 200 FROM generate_series(1, 500) g;
    COMMENT ON DATABASE "${pg}" IS 'as dumped';
    ALTER DATABASE "${pg}" SET work_mem TO '7MB';`);
  maria = await createMariaDatabase('pbexact');
  await mariadb(maria, `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
    INSERT INTO users SELECT seq, CONCAT('user ', seq) FROM seq_1_to_100;
    CREATE TABLE orders (id INT PRIMARY KEY, user_id INT NOT NULL, FOREIGN KEY (user_id) REFERENCES users(id)) ENGINE=InnoDB;
    INSERT INTO orders SELECT seq, 1 + seq % 100 FROM seq_1_to_300;
    CREATE VIEW big_users AS SELECT id FROM users WHERE id > 50;`);
  const t = makeTrees('restore-exact-', false);
  const spare = makeTrees('restore-exact-spare-', false);
  const dirs = { pg: join(t.root, 'pg dumps'), maria: join(t.root, 'maria'), sparePg: join(spare.root, 'pg') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  w = await backedUp(
    t,
    [
      {
        name: 'main',
        server,
        sources: [
          { name: 'db', kind: 'database', path: dirs.pg, dump: { engine: 'postgres', databases: [pg], connection: PGC } },
          { name: 'shop', kind: 'database', path: dirs.maria, dump: { engine: 'mariadb', databases: [maria], connection: MYC } },
        ],
      },
      { name: 'spare', server, sources: [{ name: 'db', kind: 'database', path: dirs.sparePg, dump: { engine: 'postgres', databases: [spareDb], connection: PGC } }] },
      { name: 'spare2', server, sources: [{ name: 'db', kind: 'database', path: dirs.sparePg, dump: { engine: 'postgres', databases: ['a', 'b'], connection: PGC } }] },
    ],
    server,
  );
  backup = { pg: await tableFingerprints('postgres', pg), pgProps: await pgDatabaseProperties(pg), maria: await tableFingerprints('mariadb', maria), mariaObjects: await mariaObjects(maria) };
  expect(Object.keys(backup.pg)).toEqual(['public.orders', 'public.users']);
});

describe('restore: each database exactly as its dump', () => {
  it('PostgreSQL: a table added since (FK to users) is gone, a dropped one is back, settings as dumped, a connected session does not block', async () => {
    await psql(pg, `CREATE TABLE invoices (id int PRIMARY KEY, user_id int REFERENCES users(id));
      INSERT INTO invoices VALUES (1, 1), (2, 2);
      DROP TABLE orders;
      COMMENT ON DATABASE "${pg}" IS 'changed since';
      ALTER DATABASE "${pg}" SET work_mem TO '9MB';`);
    const before = await tableFingerprints('postgres', pg);
    // An application session stays connected to the live database during the restore.
    const app = execa('psql', ['-h', PGC.host, '-U', PGC.user, '-d', pg, '-X', '-q', '-c', 'SELECT pg_sleep(120)'], { reject: false, env: { PGAPPNAME: 'pbapp' } });
    // Connected before the restore starts (waited for, not slept on).
    for (let i = 0; (await psql('postgres', `SELECT count(*) FROM pg_stat_activity WHERE datname = '${pg}' AND application_name = 'pbapp'`)) !== '1'; i++) {
      if (i > 600) throw new Error('the application session never connected');
      await new Promise((r) => setTimeout(r, 100));
    }
    const plan = await w.cli('restore', '--host', 'main', '--only', 'db', '--dry-run');
    expect(plan.stdout).toContain('replaced by the dump: restored into a fresh database, then swapped in; objects created since the dump are gone');
    expect(plan.stdout).toContain('not selected (left as they are): shop');
    const r = await w.cli('restore', '--host', 'main', '--only', 'db', '--yes');
    app.kill();
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('Not selected (left as they were): shop');
    expect(await tableFingerprints('postgres', pg)).toEqual(backup.pg);
    expect(await pgDatabaseProperties(pg)).toBe(backup.pgProps);
    expect(await leftovers()).toBe('');
    expect(r.stdout).toMatch(/PASS {2}db: rows of postgres .*: 2 tables, 700 rows, as at dump time/);
    // The session the swap ended is reported, in the output and in the catalog's step details.
    expect(r.stdout).toMatch(/OK +database db: .*; ended 1 session\(s\) on the live database: postgres .*: pid \d+, user postgres, application pbapp, from 127\.0\.0\.1/);
    const { restores } = catalogRestores(w.cfg);
    const details = stepDetails(w.cfg, restores.at(-1)!.id as number, 'database') as { endedSessions: string[] };
    expect(details.endedSessions).toEqual([expect.stringMatching(/application pbapp, from 127\.0\.0\.1$/)]);

    // The operator's undo button: back to the state just before the restore.
    const id = /restore --rollback (\d+) --yes/.exec(r.stdout)![1]!;
    const rb = await w.cli('restore', '--rollback', id, '--yes');
    expect(rb.exitCode, rb.stderr + rb.stdout).toBe(0);
    expect(await tableFingerprints('postgres', pg)).toEqual(before);
    expect(await pgDatabaseProperties(pg)).toContain('changed since');
    expect(await leftovers()).toBe('');
  });

  it('PostgreSQL: a failure shows the real error and says the database was not changed', async () => {
    const role = `pbowner_${process.pid}`;
    await psql('postgres', `CREATE ROLE ${role}; ALTER DATABASE "${pg}" OWNER TO ${role};`);
    const r0 = await w.cli('run', '--host', 'main');
    expect(r0.exitCode, r0.stdout).toBe(0);
    await psql('postgres', `ALTER DATABASE "${pg}" OWNER TO postgres; DROP ROLE ${role};`);
    await psql(pg, 'CREATE TABLE kept (x int);');
    const before = await tableFingerprints('postgres', pg);
    const r = await w.cli('restore', '--host', 'main', '--only', 'db', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toContain(`role "${role}" does not exist`);
    expect(r.stdout).not.toContain('Command was');
    expect(r.stdout).toMatch(/untouched: db/);
    expect(r.stdout).toContain('  not selected: shop');
    expect(r.stdout).not.toMatch(/partly restored/);
    expect(await tableFingerprints('postgres', pg)).toEqual(before);
    expect(await leftovers()).toBe('');
    await psql(pg, 'DROP TABLE kept;');
    // A good archive again for the tests after this one.
    expect((await w.cli('run', '--host', 'main')).exitCode).toBe(0);
  });

  it('MariaDB: tables, views, routines, triggers and events created since are gone; a dropped table is back', async () => {
    await mariadb(maria, `CREATE TABLE extra (id INT PRIMARY KEY, user_id INT, FOREIGN KEY (user_id) REFERENCES users(id)) ENGINE=InnoDB;
      CREATE VIEW extra_v AS SELECT id FROM extra;
      CREATE PROCEDURE extra_p() SELECT 1;
      CREATE TRIGGER extra_t BEFORE INSERT ON users FOR EACH ROW SET NEW.name = UPPER(NEW.name);
      CREATE EVENT extra_e ON SCHEDULE EVERY 1 DAY DO SELECT 1;
      DROP TABLE orders;`);
    expect((await mariaObjects(maria)).length).toBeGreaterThan(backup.mariaObjects.length);
    const r = await w.cli('restore', '--host', 'main', '--only', 'shop', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await mariaObjects(maria)).toEqual(backup.mariaObjects);
    expect(await tableFingerprints('mariadb', maria)).toEqual(backup.maria);
  });
});

describe('restore --to: database names of the target', () => {
  it("writes into the target's database by position, shows the mapping, and leaves the origin's alone", async () => {
    const main = await tableFingerprints('postgres', pg);
    const dry = await w.cli('restore', '--host', 'main', '--to', 'spare', '--only', 'db', '--dry-run');
    expect(dry.stdout).toContain(`database "${pg}" -> "${spareDb}" on spare (position 1 in databases:)`);
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare', '--only', 'db', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const restored = await tableFingerprints('postgres', spareDb);
    expect(Object.keys(restored)).toEqual(Object.keys(main));
    expect(await tableFingerprints('postgres', pg)).toEqual(main);
  });

  it('refuses an ambiguous mapping with exit 2, naming --map-db, which then decides', async () => {
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare2', '--only', 'db', '--dry-run');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`cannot tell which database of the target receives ${pg}: the lists differ in length (1 and 2); give --map-db ${pg}=NAME`);
    const m = await w.cli('restore', '--host', 'main', '--to', 'spare2', '--only', 'db', '--map-db', `${pg}=b`, '--dry-run');
    expect(m.stdout).toContain(`database "${pg}" -> "b" on spare2 (--map-db)`);
  });
});

describe('restore --map-db: every mapping is used', () => {
  it('--map-db nope=x with --yes exits 2 naming the unused mapping and the databases of the archive, and changes nothing', async () => {
    const spareRows = await tableFingerprints('postgres', spareDb);
    const before = catalogRestores(w.cfg).restores.length;
    const r = await w.cli('restore', '--host', 'main', '--to', 'spare', '--only', 'db', '--map-db', 'nope=x', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(2);
    expect(r.stderr).toContain(`--map-db nope=x: no database named "nope" is restored from`);
    expect(r.stderr).toContain(`(its databases: ${pg} (db), ${maria} (shop))`);
    expect(r.stdout).not.toContain('Restore ');
    expect(await tableFingerprints('postgres', spareDb)).toEqual(spareRows);
    expect(catalogRestores(w.cfg).restores.length).toBe(before);
  });
});

describe('restore of dumps written by the server cron', () => {
  it('takes the newest by time (app-Fri beats app-Thu) into the configured database, with a log file beside them', async () => {
    const db = await createPgDatabase('pbcron');
    const dir = join(makeTrees('restore-cron-', false).root, 'cron dumps');
    mkdirSync(dir, { recursive: true });
    const dump = (file: string) => execa('pg_dump', ['-h', PGC.host, '-U', PGC.user, '--format=custom', `--file=${join(dir, file)}`, db]);
    await psql(db, "CREATE TABLE t (day text); INSERT INTO t VALUES ('thu');");
    await dump('app-Thu.pgdump');
    await psql(db, "INSERT INTO t VALUES ('fri');");
    await dump('app-Fri.pgdump');
    writeFileSync(join(dir, 'dump.log'), 'dumped fine\n');
    const now = Date.now() / 1000;
    utimesSync(join(dir, 'app-Thu.pgdump'), now - 7200, now - 7200);
    utimesSync(join(dir, 'app-Fri.pgdump'), now - 3600, now - 3600);
    const cron = await backedUp(makeTrees('restore-cron-x-', false), [{ name: 'cron', server, sources: [{ name: 'db', kind: 'database', path: dir, database: db }] }], server);
    await psql(db, 'DELETE FROM t;');
    const r = await cron.cli('restore', '--host', 'cron', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('1 older dump(s) in the folder are not restored');
    expect(await psql(db, 'SELECT day FROM t ORDER BY 1')).toBe('fri\nthu');
    expect(await psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'app-%'")).toBe('0');
  });
});
