// The restore's checks in two phases (real sshd, rsync, borg, PostgreSQL): the data checks (rows
// against the dump) run while writes are still stopped, so an application that writes the moment
// start_writes lets it (here a start_writes hook inserting rows) cannot make a correct restore
// look FAILED; the readiness probes (restore.checks) run after start_writes and see its writes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, psql, startSshd, tableFingerprints, type SshdServer, type TableFingerprint } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, type World } from './setup.js';

const PGC = { host: '127.0.0.1', port: 5432, user: 'postgres' };

let server: SshdServer;
let w: World;
let db: string;
let backup: Record<string, TableFingerprint>;

beforeAll(async () => {
  server = await startSshd();
  db = await createPgDatabase('pbwriter');
  await psql(db, "CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;");
  const t = makeTrees('restore-phases-', false);
  const dirs = { pg: join(t.root, 'pg') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // The application's first writes, the moment writes are allowed again.
  const writer = ['psql', '-X', '-h', PGC.host, '-U', PGC.user, '-d', db, '-v', 'ON_ERROR_STOP=1', '-c', "INSERT INTO items SELECT g, 'written after start' FROM generate_series(1001, 1010) g"];
  const restore = {
    start_writes: [writer],
    checks: [{ name: 'app wrote', sql: { source: 'db', database: db, query: 'select count(*) from items', expect: '110' } }],
  };
  w = await backedUp(
    t,
    [
      { name: 'main', server, sources: [{ name: 'db', kind: 'database', path: dirs.pg, dump: { engine: 'postgres', databases: [db], connection: PGC } }], override: { restore } },
    ],
    server,
  );
  backup = await tableFingerprints('postgres', db);
}, 600_000);

describe('restore checks: data before start_writes, readiness after', () => {
  it('the plan says which checks run before and which after start_writes', async () => {
    const r = await w.cli('restore', '--host', 'main', '--dry-run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`data checks, while writes are still stopped (before start_writes): db: rows of ${db} against the dump`);
    expect(r.stdout).toContain('readiness checks, after start_writes: check "app wrote"');
  });

  it('a restore of a database the application writes to right after start_writes is OK, its rows counted before writes resumed', async () => {
    await psql(db, "DELETE FROM items WHERE id > 50; UPDATE items SET label = 'changed';");
    const r = await w.cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}db: rows of postgres .*: 1 tables, 100 rows, as at dump time/);
    expect(r.stdout).toMatch(/PASS {2}check "app wrote": returned "110"/);
    expect(r.stdout).toMatch(/Restore \d+ of main: done, every check passed\./);
    expect(r.stdout).not.toContain('FAIL');
    // Output order: the data checks, then start writes, then the readiness probes.
    const at = (s: string) => r.stdout.indexOf(s);
    expect(at('Data checks (writes still stopped):')).toBeGreaterThan(-1);
    expect(at('Data checks (writes still stopped):')).toBeLessThan(at('start writes'));
    expect(at('start writes')).toBeLessThan(at('Readiness checks (after start_writes):'));
    // Catalog order: verify ended before start_writes began.
    const { restores, steps } = catalogRestores(w.cfg);
    const mine = steps.filter((s) => s.restore_id === restores.at(-1)!.id);
    expect(mine.map((s) => [s.kind, s.status])).toEqual([['readiness', 'ok'], ['stop_writes', 'ok'], ['snapshot', 'ok'], ['database', 'ok'], ['verify', 'ok'], ['start_writes', 'ok'], ['checks', 'ok']]);
    const { [`public.items`]: items } = await tableFingerprints('postgres', db);
    expect(items!.rows).toBe(110);
    expect(backup['public.items']!.rows).toBe(100);
  });
});
