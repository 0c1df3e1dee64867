// Dumps written by the server's own cron are chosen by time, not name, and restore into the
// configured database (real sshd, rsync, borg, PostgreSQL).
import { execa } from 'execa';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, psql, startSshd, type SshdServer } from '../../harness/index.js';
import { PGC } from './exact-databases-setup.js';
import { backedUp, makeTrees } from './setup.js';

let server: SshdServer;

beforeAll(async () => {
  server = await startSshd();
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
