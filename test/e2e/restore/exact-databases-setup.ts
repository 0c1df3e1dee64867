// The world of the exact-databases restore tests (real sshd, rsync, borg, PostgreSQL, MariaDB): a
// host 'main' with a PostgreSQL and a MariaDB database dumped by pullback and backed up once, two
// hosts 'spare' and 'spare2' to restore onto with --to, the content as backed up, and what the
// tests ask of a database. Each exact-databases-* file builds its own (they change the databases).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createMariaDatabase, createPgDatabase, mariadb, psql, startSshd, tableFingerprints, type SshdServer, type TableFingerprint } from '../../harness/index.js';
import { pullbackTag } from '../../../src/restore/databases/postgres-swap.js';
import { backedUp, makeTrees, type World } from './setup.js';

export const PGC = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const MYC = { host: '127.0.0.1', port: 3306, user: 'root' };

/** Every schema object of a MariaDB database: tables, views, routines, triggers, events. */
export async function mariaObjects(db: string): Promise<string[]> {
  const q = (sql: string) => mariadb(undefined, sql).then((t) => t.split('\n').filter(Boolean));
  return [
    ...(await q(`SELECT CONCAT(table_type, ' ', table_name) FROM information_schema.tables WHERE table_schema = '${db}' ORDER BY 1`)),
    ...(await q(`SELECT CONCAT('ROUTINE ', routine_name) FROM information_schema.routines WHERE routine_schema = '${db}' ORDER BY 1`)),
    ...(await q(`SELECT CONCAT('TRIGGER ', trigger_name) FROM information_schema.triggers WHERE trigger_schema = '${db}' ORDER BY 1`)),
    ...(await q(`SELECT CONCAT('EVENT ', event_name) FROM information_schema.events WHERE event_schema = '${db}' ORDER BY 1`)),
  ];
}

/** The database's own settings and comment, as PostgreSQL keeps them. */
export async function pgDatabaseProperties(db: string): Promise<string> {
  return psql(
    'postgres',
    `SELECT pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), shobj_description(d.oid, 'pg_database'),
       (SELECT string_agg(array_to_string(s.setconfig, ','), ';') FROM pg_db_role_setting s WHERE s.setdatabase = d.oid)
     FROM pg_database d WHERE d.datname = '${db}'`,
  );
}

/** Work databases of a swap of `db` left behind (other test files restore at the same time: only this database's tag). */
export const leftovers = async (db: string): Promise<string> => {
  const tag = pullbackTag(db);
  return psql('postgres', `SELECT datname FROM pg_database WHERE datname LIKE 'pullback\\_new\\_${tag}\\_%' OR datname LIKE 'pullback\\_old\\_${tag}\\_%' ORDER BY 1`);
};

export interface ExactWorld {
  server: SshdServer;
  w: World;
  pg: string;
  spareDb: string;
  maria: string;
  backup: { pg: Record<string, TableFingerprint>; pgProps: string; maria: Record<string, TableFingerprint>; mariaObjects: string[] };
}

/** Creates the databases and hosts and backs 'main' up once with `pullback run`. */
export async function exactWorld(): Promise<ExactWorld> {
  const server = await startSshd();
  const pg = await createPgDatabase('pbexact');
  const spareDb = await createPgDatabase('pbexact_spare');
  await psql(spareDb, 'CREATE TABLE spare_own (x int); INSERT INTO spare_own VALUES (1);');
  await psql(pg, `CREATE TABLE users (id int PRIMARY KEY, name text);
    INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 200) g;
    CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users(id));
    INSERT INTO orders SELECT g, 1 + g % 200 FROM generate_series(1, 500) g;
    COMMENT ON DATABASE "${pg}" IS 'as dumped';
    ALTER DATABASE "${pg}" SET work_mem TO '7MB';`);
  const maria = await createMariaDatabase('pbexact');
  await mariadb(maria, `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
    INSERT INTO users SELECT seq, CONCAT('user ', seq) FROM seq_1_to_100;
    CREATE TABLE orders (id INT PRIMARY KEY, user_id INT NOT NULL, FOREIGN KEY (user_id) REFERENCES users(id)) ENGINE=InnoDB;
    INSERT INTO orders SELECT seq, 1 + seq % 100 FROM seq_1_to_300;
    CREATE VIEW big_users AS SELECT id FROM users WHERE id > 50;`);
  const t = makeTrees('restore-exact-', false);
  const spare = makeTrees('restore-exact-spare-', false);
  const dirs = { pg: join(t.root, 'pg dumps'), maria: join(t.root, 'maria'), sparePg: join(spare.root, 'pg') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const w = await backedUp(
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
  const backup = { pg: await tableFingerprints('postgres', pg), pgProps: await pgDatabaseProperties(pg), maria: await tableFingerprints('mariadb', maria), mariaObjects: await mariaObjects(maria) };
  expect(Object.keys(backup.pg)).toEqual(['public.orders', 'public.users']);
  return { server, w, pg, spareDb, maria, backup };
}
