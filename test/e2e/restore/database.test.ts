// Restore with a PostgreSQL database end to end (real sshd, rsync, borg, PostgreSQL): after the
// data is destroyed and the database dropped, `restore --yes` brings back identical files and
// rows in the order database -> blobs -> data; a failure in the blobs step leaves the database
// restored and data untouched, and --rollback returns the target to its state before the restore.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, diffTrees, dropPgDatabase, psql, snapshotTree, startSshd, tableFingerprints, type TableFingerprint, type TreeSnapshot } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, sources, type World } from './setup.js';

let w: World;
let db: string;
let http: Server;
let backup: { rows: Record<string, TableFingerprint>; blobs: TreeSnapshot; data: TreeSnapshot };
const marks = { stop: '', start: '' };

beforeAll(async () => {
  const server = await startSshd();
  db = await createPgDatabase('pbrestore');
  await psql(db, `CREATE TABLE items (id int PRIMARY KEY, label text);
    INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g;
    CREATE SCHEMA shop; CREATE TABLE shop.orders (id int PRIMARY KEY, item int REFERENCES items(id));
    INSERT INTO shop.orders SELECT g, g FROM generate_series(1, 50) g;`);
  http = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 503).end('ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as { port: number }).port;
  const main = makeTrees('restore-db-main-', true);
  marks.stop = join(main.root, 'writes-stopped');
  marks.start = join(main.root, 'writes-started');
  const restore = {
    stop_writes: [['touch', marks.stop]],
    start_writes: [['touch', marks.start]],
    checks: [
      { name: 'items present', sql: { source: 'db', database: db, query: 'select count(*) from items', expect: '300' } },
      { name: 'app answers', http: { url: `http://127.0.0.1:${port}/health`, timeout: '5s' } },
      { name: 'blobs mounted', command: ['test', '-d', main.blobs] },
    ],
  };
  const bad = makeTrees('restore-db-bad-', false);
  const badSources = sources(bad, db).map((s) => (s.name === 'db' ? { ...s, dump: { ...(s.dump as object), connection: { host: '127.0.0.1', port: 1, user: 'postgres' } } } : s));
  w = await backedUp(
    main,
    [
      { name: 'main', server, sources: sources(main, db), override: { restore } },
      { name: 'badport', server, sources: badSources },
    ],
    server,
  );
  backup = { rows: await tableFingerprints('postgres', db), blobs: snapshotTree(main.blobs), data: snapshotTree(main.data) };
  expect(Object.keys(backup.rows).sort()).toEqual(['public.items', 'shop.orders']);
});
afterAll(() => new Promise<void>((r) => http.close(() => r())));

describe('pullback restore (database, blobs, data)', () => {
  it('stops before any change when the target database server is unreachable', async () => {
    const r = await w.cli('restore', '--host', 'main', '--to', 'badport', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}database server for postgres .* on 127\.0\.0\.1:1: unreachable/);
    expect(r.stdout).toContain('nothing was changed');
    expect(catalogRestores(w.cfg).steps.map((s) => [s.kind, s.status])).toEqual([['readiness', 'failed']]);
  });

  it('brings back identical rows and files after the database is dropped and the data wiped', async () => {
    await dropPgDatabase(db);
    rmSync(w.main.blobs, { recursive: true });
    rmSync(w.main.data, { recursive: true });
    const r = await w.cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await tableFingerprints('postgres', db)).toEqual(backup.rows);
    expect(diffTrees(backup.blobs, w.main.blobs)).toEqual([]);
    expect(diffTrees(backup.data, w.main.data)).toEqual([]);
    expect(r.stdout).toMatch(/PASS {2}database server for postgres .* reachable, version \d+/);
    expect(r.stdout).toMatch(/PASS {2}db: rows of postgres .*: 2 tables, 350 rows, as at dump time/);
    expect(r.stdout).toMatch(/PASS {2}check "items present": returned "300"/);
    expect(r.stdout).toMatch(/PASS {2}check "app answers": .* answered 200/);
    expect(r.stdout).toMatch(/PASS {2}check "blobs mounted"/);
    expect(existsSync(marks.stop) && existsSync(marks.start)).toBe(true);
    const { restores, steps } = catalogRestores(w.cfg);
    const id = restores.at(-1)!.id;
    const restored = steps.filter((s) => s.restore_id === id && ['database', 'blobs', 'data'].includes(s.kind));
    expect(restored.map((s) => s.kind)).toEqual(['database', 'blobs', 'data']);
    const started = restored.map((s) => s.started_at!);
    expect([...started].sort()).toEqual(started);
  });

  it('stops at a failure in the blobs step; --rollback returns the target to its state before', async () => {
    // The state before this restore: changed rows, a changed blob made immutable (the fault), new data.
    await psql(db, "DELETE FROM shop.orders WHERE id > 40; UPDATE items SET label = 'changed' WHERE id < 10; INSERT INTO items VALUES (1000, 'new');");
    const locked = join(w.main.blobs, 'script-0755.sh');
    writeFileSync(locked, 'changed since the backup\n');
    writeFileSync(join(w.main.data, 'written after the backup.txt'), 'new\n');
    rmSync(marks.start);
    const pre = { rows: await tableFingerprints('postgres', db), blobs: snapshotTree(w.main.blobs), data: snapshotTree(w.main.data) };
    execFileSync('chattr', ['+i', locked]);
    let r;
    try {
      r = await w.cli('restore', '--host', 'main', '--yes');
    } finally {
      execFileSync('chattr', ['-i', locked]);
    }
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/FAILED at blobs: /);
    expect(r.stdout).toContain('restored: db');
    expect(r.stdout).toContain('untouched: data');
    expect(await tableFingerprints('postgres', db)).toEqual(backup.rows);
    expect(diffTrees(pre.data, w.main.data)).toEqual([]);
    expect(existsSync(marks.start)).toBe(true); // start_writes ran after the failure
    const { restores, steps } = catalogRestores(w.cfg);
    const failed = restores.at(-1)!;
    expect(failed).toMatchObject({ status: 'failed' });
    const byKind = Object.fromEntries(steps.filter((s) => s.restore_id === failed.id).map((s) => [s.kind, s.status]));
    expect(byKind).toMatchObject({ snapshot: 'ok', database: 'ok', blobs: 'failed', data: 'skipped', verify: 'skipped', start_writes: 'ok', checks: 'skipped' });

    const command = /restore --rollback (\d+) --yes/.exec(r.stdout);
    expect(command?.[1]).toBe(String(failed.id));
    const rb = await w.cli('restore', '--rollback', command![1]!, '--yes');
    expect(rb.exitCode, rb.stderr + rb.stdout).toBe(0);
    expect(await tableFingerprints('postgres', db)).toEqual(pre.rows);
    expect(diffTrees(pre.blobs, w.main.blobs)).toEqual([]);
    expect(diffTrees(pre.data, w.main.data)).toEqual([]);
    expect(catalogRestores(w.cfg).restores.at(-1)).toMatchObject({ kind: 'rollback', rollback_of: failed.id, status: 'ok', snapshot_archive: null });
  });
});
