// The database part of drills, against real PostgreSQL, MariaDB and SQLite: dumps taken by
// pullback restore into scratch databases with the recorded row counts and passing SQL checks;
// a damaged dump (wrong recorded counts, broken SQL) fails the drill; scratch databases are dropped.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeMeta } from '../../../src/nightly/dumps/meta.js';
import { makeTempDir, mariadb, psql, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { makeMariaSource, makePgSource, makeSqliteSource } from '../dump/fixtures.js';
import { drillJson, drillRows } from './helpers.js';

let cfg: TestConfig;
let pgDb: string;
let mariaDb: string;
let liteFile: string;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A MariaDB dump written the way a server's own cron would, with a metadata file whose row counts we choose. */
function cronDump(dir: string, name: string, database: string, edit: (sql: string) => string, rowCounts?: Record<string, number>): void {
  const file = join(dir, name);
  const raw = execFileSync('mariadb-dump', ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '--single-transaction', '--', database], { encoding: 'utf8' });
  writeFileSync(file, edit(raw));
  const size = readFileSync(file).length;
  const record = { file: name, engine: 'mariadb', database, format: 'sql' as const, size, sha256: sha256(file), endedAt: new Date().toISOString(), ...(rowCounts ? { rowCounts } : {}) };
  writeFileSync(`${file}.meta.json`, encodeMeta(record));
}

/** Scratch databases of this file's drills (names from its catalog) that still exist; other test files drill at the same time. */
async function scratchDatabases(): Promise<string[]> {
  const mine = new Set(
    drillRows(cfg.stateDir).flatMap((r) => (JSON.parse(String(r.databases ?? '[]')) as Array<{ scratch?: string }>).flatMap((d) => (d.scratch ? [d.scratch] : []))),
  );
  const pg = (await psql('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'pullback\\_drill\\_%'")).split('\n').filter(Boolean);
  const my = (await mariadb(undefined, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'pullback\\_drill\\_%'")).split('\n').filter(Boolean);
  return [...pg, ...my].filter((n) => mine.has(n));
}

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('drill-db-server');
  mkdirSync(join(root, 'app data'));
  liteFile = join(root, 'app data', 'app.db');
  [pgDb, mariaDb] = await Promise.all([makePgSource(), makeMariaSource()]);
  makeSqliteSource(liteFile);
  mkdirSync(join(root, 'files'));
  for (let i = 0; i < 10; i++) writeFileSync(join(root, 'files', `f${i}.txt`), `file ${i}\n`);

  const cron = join(root, 'cron dumps');
  mkdirSync(cron);
  // A dump that holds 300 users but whose restore leaves 299 (a statement at its end deletes one);
  // its metadata's counts are wrong too, and ignored: what is expected is read from the dump itself.
  cronDump(cron, 'wrong-counts.sql', mariaDb, (s) => s.replace('-- Dump completed', 'DELETE FROM `users` LIMIT 1;\n-- Dump completed'), { users: 7, 'odd name': 40, audit: 300 });
  // A statement broken in the middle of an otherwise complete dump (the trailer is intact).
  cronDump(cron, 'broken.sql', mariaDb, (s) => s.replace(/INSERT INTO `users` VALUES/, 'INSERT INTO `users` VALUS'));

  const pgConn = { host: '127.0.0.1', port: 5432, user: 'postgres' };
  cfg = await writeTestConfig({
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'pg', kind: 'database', path: join(root, 'pg'), dump: { engine: 'postgres', databases: [pgDb], connection: pgConn } },
          { name: 'maria', kind: 'database', path: join(root, 'maria'), dump: { engine: 'mariadb', databases: [mariaDb], connection: { host: '127.0.0.1', port: 3306, user: 'root' } } },
          { name: 'lite', kind: 'database', path: join(root, 'lite'), dump: { engine: 'sqlite', databases: [liteFile] } },
          { name: 'files', kind: 'data', path: join(root, 'files') },
        ],
        override: {
          restore: {
            checks: [
              { name: 'pg users', sql: { source: 'pg', database: pgDb, query: 'SELECT count(*) FROM users', expect: '500' } },
              { name: 'pg invoices', sql: { source: 'pg', database: pgDb, query: 'SELECT sum(amount) > 0 FROM billing.invoices', expect: 't' } },
              { name: 'maria users', sql: { source: 'maria', database: mariaDb, query: 'SELECT count(*) FROM users', expect: '300' } },
              { name: 'lite items', sql: { source: 'lite', database: liteFile, query: 'SELECT count(*) FROM items', expect: '200' } },
            ],
          },
        },
      },
      { name: 'bad', server, sources: [{ name: 'cron', kind: 'database', path: cron, max_age: '1d' }] },
    ],
  });
  const run = await runCli(['--config', cfg.configPath, 'run']);
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
});

describe('pullback drill (databases)', () => {
  it('restores every dump into a scratch database with the recorded row counts and passing checks, then drops it', async () => {
    const { exitCode, report, stderr } = await drillJson(cfg.configPath, ['--host', 'main', '--sample', '5']);
    expect(exitCode, stderr + JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.status).toBe('ok');
    // 5 sampled files plus the three dumps, all restored and matching.
    expect(d.counts).toEqual({ sampled: 8, matches: 8, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.extracted).toBe(8);
    expect(d.databases.map((x) => [x.path.split('/')[0], x.status])).toEqual([['pg', 'ok'], ['maria', 'ok'], ['lite', 'ok']]);
    const pg = d.databases[0]!;
    expect(pg.tables).toContainEqual({ table: 'billing.invoices', expected: 120, actual: 120 });
    expect(pg.tables).toContainEqual({ table: 'public.users', expected: 500, actual: 500 });
    expect(pg.checks.map((c) => [c.name, c.ok])).toEqual([['pg users', true], ['pg invoices', true]]);
    expect(d.databases[1]!.tables).toContainEqual({ table: 'odd name', expected: 40, actual: 40 });
    expect(d.databases[1]!.checks.map((c) => c.ok)).toEqual([true]);
    expect(d.databases[2]!.tables).toContainEqual({ table: 'items', expected: 200, actual: 200 });
    expect(d.databases[2]!.checks.map((c) => c.ok)).toEqual([true]);
    expect(await scratchDatabases()).toEqual([]);
    expect(JSON.parse(String(drillRows(cfg.stateDir).at(-1)!.databases))).toHaveLength(3);

    const text = await runCli(['--config', cfg.configPath, 'drill', '--host', 'main', '--sample', '20']);
    expect(text.exitCode, text.stdout + text.stderr).toBe(0);
    // Every one of the 13 other regular files (10 files, 3 dump metadata files) plus the 3 dumps.
    expect(text.stdout).toMatch(/main\s+OK\s+\S+\s+16\s+16\s+/);
    expect(text.stdout).toContain('3/3 ok');
    expect(text.stdout).toMatch(/equal row counts/);
  });

  it("samples again from the archive's own manifest when the catalog's record of it names other dumps", async () => {
    // The catalog's record of the latest archive loses the maria source's dump (as if recorded by a
    // pullback that did not know it): the drill samples from the record, then finds the archive's
    // manifest naming one dump more, and samples again from that.
    const db = new Database(join(cfg.stateDir, 'catalog.db'));
    const row = db.prepare("SELECT rowid AS k, manifest FROM archives WHERE host = 'main' ORDER BY rowid DESC LIMIT 1").get() as { k: number; manifest: string };
    const m = JSON.parse(row.manifest) as { sources: Array<{ name: string; dumps?: unknown[] }> };
    for (const src of m.sources) if (src.name === 'maria') delete src.dumps;
    expect(db.prepare('UPDATE archives SET manifest = ? WHERE rowid = ?').run(JSON.stringify(m), row.k).changes).toBe(1);
    // The mirror still equals the archive and would give the drill the true manifest: this case is the catalog's record.
    db.prepare("DELETE FROM mirror_archives WHERE host = 'main'").run();
    db.close();
    const { exitCode, report, stderr } = await drillJson(cfg.configPath, ['--host', 'main', '--sample', '5']);
    expect(exitCode, stderr + JSON.stringify(report, null, 2)).toBe(0);
    expect(stderr).toMatch(/names other dumps than the catalog or the mirror recorded/);
    const d = report.drills[0]!;
    expect(d.counts).toEqual({ sampled: 8, matches: 8, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.databases.map((x) => [x.path.split('/')[0], x.status])).toEqual([['pg', 'ok'], ['maria', 'ok'], ['lite', 'ok']]);
    expect(await scratchDatabases()).toEqual([]);
  });

  it('fails the database part for a dump whose restored rows differ from the rows it holds or that does not restore', async () => {
    const { exitCode, report } = await drillJson(cfg.configPath, ['--host', 'bad']);
    expect(exitCode, JSON.stringify(report, null, 2)).toBe(1);
    const d = report.drills[0]!;
    expect(d.status).toBe('failed');
    expect(d.counts.mismatches).toBe(0); // the files themselves are intact copies of what was dumped
    const byFile = Object.fromEntries(d.databases.map((x) => [x.path, x]));
    expect(byFile['cron/wrong-counts.sql']!.status).toBe('failed');
    expect(byFile['cron/wrong-counts.sql']!.error).toMatch(/table users: 299 rows restored, 300 in the dump/);
    expect(byFile['cron/broken.sql']!.status).toBe('failed');
    expect(byFile['cron/broken.sql']!.error).toMatch(/restoring cron\/broken.sql .* failed/);
    expect(await scratchDatabases()).toEqual([]);
    expect(drillRows(cfg.stateDir).at(-1)).toMatchObject({ host: 'bad', status: 'failed' });

    const text = await runCli(['--config', cfg.configPath, 'drill', '--host', 'bad']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/DATABASE cron\/wrong-counts\.sql/);
  });
});
