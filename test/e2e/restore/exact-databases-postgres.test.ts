// PostgreSQL databases come back exactly as the dump has them (real sshd, rsync, borg, PostgreSQL):
// objects created since the backup are gone and dropped ones are back, whatever depends on what;
// the database's own settings are the dump's; a session left connected does not block it; a
// rollback after such a restore works; a failure shows the tool's real error and says truthfully
// that nothing changed. (MariaDB: exact-databases-mariadb; --to and --map-db: exact-databases-mapping;
// cron-written dumps: exact-databases-cron.)
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { psql, tableFingerprints } from '../../harness/index.js';
import { exactWorld, leftovers, pgDatabaseProperties, PGC, type ExactWorld } from './exact-databases-setup.js';
import { catalogRestores, stepDetails } from './setup.js';

let w: ExactWorld['w'];
let pg: string;
let backup: ExactWorld['backup'];

beforeAll(async () => {
  ({ w, pg, backup } = await exactWorld());
});

describe('restore: each PostgreSQL database exactly as its dump', () => {
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
    expect(await leftovers(pg)).toBe('');
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
    expect(await leftovers(pg)).toBe('');
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
    expect(await leftovers(pg)).toBe('');
    await psql(pg, 'DROP TABLE kept;');
    // A good archive again for the tests after this one.
    expect((await w.cli('run', '--host', 'main')).exitCode).toBe(0);
  });
});
