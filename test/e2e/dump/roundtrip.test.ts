// pullback takes PostgreSQL, MariaDB and SQLite dumps on the "main server" (loopback sshd), pulls,
// verifies and archives them; restored from the archive they hold exactly the source's rows.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/archive/manifest.js';
import { dumpsOfHost } from '../../../src/nightly/dumps/record.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { borgExtract, borgList, makeTempDir, mariadb, nextSecond, registerCleanup, runCli, startSshd, tableFingerprints, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { makeMariaSource, makePgSource, makeSqliteSource, restoreMaria, restorePg, restoreSqlite, sqliteDump } from './fixtures.js';

let cfg: TestConfig;
let root: string;
let pgDb: string;
let mariaDb: string;
let liteFile: string;
const dirs = { pg: '', maria: '', lite: '', all: '' };
let allDbs: string[];

beforeAll(async () => {
  const server = await startSshd();
  root = makeTempDir('dump-main-server');
  dirs.pg = join(root, 'pg dumps');
  dirs.maria = join(root, 'maria');
  dirs.lite = join(root, 'lite');
  mkdirSync(join(root, 'app data'));
  liteFile = join(root, 'app data', 'app.db');
  [pgDb, mariaDb] = await Promise.all([makePgSource(), makeMariaSource()]);
  makeSqliteSource(liteFile);
  // `all` for MariaDB as a user who sees only two databases, its password in an option file on the server.
  allDbs = [mariaDb, await makeMariaSource(10)];
  const user = `pb_all_${process.pid}`;
  const password = randomBytes(12).toString('hex');
  await mariadb(undefined, `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'; ${allDbs.map((d) => `GRANT ALL ON \`${d}\`.* TO '${user}'@'127.0.0.1';`).join(' ')}`);
  registerCleanup(() => mariadb(undefined, `DROP USER IF EXISTS '${user}'@'127.0.0.1'`).then(() => undefined));
  const optionFile = join(root, 'my client.cnf');
  writeFileSync(optionFile, `[client]\npassword=${password}\n`, { mode: 0o600 });
  dirs.all = join(root, 'all');
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never' } },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'pg', kind: 'database', path: dirs.pg, dump: { engine: 'postgres', databases: [pgDb], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 1 } },
          { name: 'maria', kind: 'database', path: dirs.maria, dump: { engine: 'mariadb', databases: [mariaDb], connection: { host: '127.0.0.1', port: 3306, user: 'root' } } },
          { name: 'lite', kind: 'database', path: dirs.lite, dump: { engine: 'sqlite', databases: [liteFile] } },
        ],
      },
      {
        name: 'everything',
        server,
        sources: [{ name: 'db', kind: 'database', path: dirs.all, dump: { engine: 'mariadb', databases: 'all', connection: { user, password_file: optionFile } } }],
      },
    ],
  });
});

async function runAndExtract(hosts: string[] = []): Promise<{ dir: string; manifest: Manifest }> {
  const r = await runCli(['--config', cfg.configPath, 'run', ...hosts.flatMap((h) => ['--host', h])]);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  if (hosts.length === 0) expect(r.stdout).toMatch(/everything\s+OK/);
  const archives = await borgList(cfg.repoPath('main'), cfg.passphraseFile);
  const dir = makeTempDir('dump-extract');
  await borgExtract(cfg.repoPath('main'), archives.at(-1)!, dir, cfg.passphraseFile);
  const manifest = JSON.parse(readFileSync(join(dir, '.pullback', 'manifest.json'), 'utf8')) as Manifest;
  return { dir, manifest };
}

describe('pullback run with dump:', () => {
  it('archives dumps that restore to identical rows, with metadata in the manifest and the catalog', async () => {
    const { dir, manifest } = await runAndExtract();
    const dumpsOf = (name: string) => manifest.sources.find((s) => s.name === name)!.dumps!;

    // PostgreSQL: one custom-format dump that pg_restore reads and that restores to the same rows.
    const [pgDump] = dumpsOf('pg');
    expect(pgDump).toMatchObject({ engine: 'postgres', database: pgDb, format: 'custom', verified: ['sha256', 'pg_restore'] });
    expect(pgDump!.file).toMatch(new RegExp(`^${pgDb}-\\d{8}T\\d{6}Z\\.pgdump$`));
    expect(pgDump!.serverVersion).toMatch(/^\d+\.\d+/);
    const pgFile = join(dir, 'pg', pgDump!.file);
    expect(execFileSync('pg_restore', ['--list', pgFile], { encoding: 'utf8' })).toContain('TABLE DATA billing invoices');
    const meta = JSON.parse(readFileSync(`${pgFile}.meta.json`, 'utf8'));
    expect(meta).toMatchObject({ sha256: pgDump!.sha256, size: pgDump!.size, database: pgDb });
    const pgSource = await tableFingerprints('postgres', pgDb);
    expect(await tableFingerprints('postgres', await restorePg(pgFile))).toEqual(pgSource);
    expect(pgDump!.rowCounts).toEqual(Object.fromEntries(Object.entries(pgSource).map(([t, f]) => [t, f.rows])));

    // MariaDB: SQL text ending with the completion trailer, same rows after a restore.
    const [mDump] = dumpsOf('maria');
    expect(mDump).toMatchObject({ engine: 'mariadb', database: mariaDb, format: 'sql', verified: ['sha256', 'trailer', 'insert_rows'] });
    const mFile = join(dir, 'maria', mDump!.file);
    expect(readFileSync(mFile, 'utf8').trimEnd().split('\n').at(-1)).toMatch(/^-- Dump completed/);
    const mSource = await tableFingerprints('mariadb', mariaDb);
    expect(await tableFingerprints('mariadb', await restoreMaria(mFile))).toEqual(mSource);
    expect(mDump!.rowCounts).toEqual({ audit: 300, 'odd name': 40, users: 300 });

    // SQLite: an online backup that passes integrity_check and holds the same content.
    const [lDump] = dumpsOf('lite');
    expect(lDump).toMatchObject({ engine: 'sqlite', database: liteFile, format: 'sqlite', verified: ['sha256', 'integrity_check'] });
    expect(lDump!.file).toMatch(/^app-\d{8}T\d{6}Z\.sqlite$/);
    expect(lDump!.rowCounts).toEqual({ items: 200, 'tags "x"': 28 });
    const restored = await restoreSqlite(join(dir, 'lite', lDump!.file), makeTempDir('dump-sqlite-restore'));
    expect(sqliteDump(restored)).toEqual(sqliteDump(liteFile));

    // No temporary files left on the server; the catalog links each dump to the run's archive.
    for (const d of Object.values(dirs)) expect(readdirSync(d).filter((f) => f.startsWith('.'))).toEqual([]);
    const catalog = Catalog.open(cfg.stateDir);
    const rows = dumpsOfHost(catalog, 'main');
    catalog.close();
    expect(rows.map((r) => [r.source, r.status, r.taken, r.archive, r.record.file]).sort()).toEqual([
      ['lite', 'ok', true, manifest.archive, lDump!.file],
      ['maria', 'ok', true, manifest.archive, mDump!.file],
      ['pg', 'ok', true, manifest.archive, pgDump!.file],
    ]);
  });

  it('dumps every database the user can see for all, with the password from an option file', async () => {
    const [archive] = await borgList(cfg.repoPath('everything'), cfg.passphraseFile);
    const x = makeTempDir('dump-all-extract');
    await borgExtract(cfg.repoPath('everything'), archive!, x, cfg.passphraseFile);
    const manifest = JSON.parse(readFileSync(join(x, '.pullback', 'manifest.json'), 'utf8')) as Manifest;
    const dumps = manifest.sources[0]!.dumps!;
    expect(dumps.map((d) => d.database).sort()).toEqual([...allDbs].sort());
    for (const d of dumps) expect(readFileSync(join(x, 'db', d.file), 'utf8')).toContain(`-- Host: 127.0.0.1    Database: ${d.database}`);
  });

  it('rotates old dumps on the server to keep', async () => {
    await nextSecond(); // dump names have one-second resolution
    const { manifest } = await runAndExtract(['main']);
    const newest = manifest.sources.find((s) => s.name === 'pg')!.dumps![0]!.file;
    expect(readdirSync(dirs.pg).sort()).toEqual([newest, `${newest}.meta.json`]); // keep: 1
    expect(readdirSync(dirs.maria).filter((f) => f.endsWith('.sql'))).toHaveLength(2); // keep: 3 (default)
  });
});
