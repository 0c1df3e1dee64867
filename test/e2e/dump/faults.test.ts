// Bad dumps fail their host with a message naming the file, while another host still succeeds:
// a truncated custom dump, a SQL dump without its trailer, a checksum mismatch, a stale dump
// directory and a dump that hangs (a table locked by another session) and is killed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/archive/manifest.js';
import { borgExtract, borgList, makeTempDir, PG, psql, runCli, startSshd, writeTestConfig, type CliResult, type TestConfig } from '../../harness/index.js';
import { makeMariaSource, makePgSource, makeSqliteSource } from './fixtures.js';

let cfg: TestConfig;
let result: CliResult;
const dir: Record<string, string> = {};
let lockedDb: string;

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('dump-faults');
  for (const h of ['good', 'cron', 'truncated', 'notrailer', 'checksum', 'stale', 'hang']) mkdirSync((dir[h] = join(root, h)));
  const [pgDb, mariaDb] = await Promise.all([makePgSource(2000), makeMariaSource(50)]);
  lockedDb = await makePgSource(10);
  makeSqliteSource(join(root, 'good.db'));

  // A custom-format dump cut short (pg_restore --list still reads its table of contents).
  const full = join(root, 'full.pgdump');
  execFileSync('pg_dump', ['-h', PG.host, '-U', PG.user, '--format=custom', `--file=${full}`, pgDb]);
  const bytes = readFileSync(full);
  writeFileSync(join(dir.truncated!, 'app-20240101T000000Z.pgdump'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  // A MariaDB dump that stopped before its completion trailer.
  const sql = execFileSync('mariadb-dump', ['-h', '127.0.0.1', '-u', 'root', '--single-transaction', mariaDb]);
  writeFileSync(join(dir.notrailer!, 'shop.sql'), sql.subarray(0, sql.indexOf('-- Dump completed')));
  // A complete dump whose bytes changed after its metadata was written.
  const good = join(dir.checksum!, 'shop-20240101T000000Z.sql');
  writeFileSync(good, sql);
  const meta = { kind: 'pullback-dump-meta', version: 1, file: 'shop-20240101T000000Z.sql', engine: 'mariadb', database: mariaDb, format: 'sql', size: sql.length, sha256: createHash('sha256').update(sql).digest('hex'), endedAt: new Date().toISOString() };
  writeFileSync(`${good}.meta.json`, JSON.stringify(meta));
  const flipped = Buffer.from(sql);
  flipped[100] = flipped[100]! ^ 0x20;
  writeFileSync(good, flipped);
  // A directory the server's cron fills: a custom dump with metadata and a SQL dump without.
  const cronDump = join(dir.cron!, 'app-20240101T000000Z.pgdump');
  writeFileSync(cronDump, bytes);
  writeFileSync(`${cronDump}.meta.json`, JSON.stringify({ ...meta, file: 'app-20240101T000000Z.pgdump', engine: 'postgres', database: pgDb, format: 'custom', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }));
  writeFileSync(join(dir.cron!, 'shop.sql'), sql);
  writeFileSync(join(dir.cron!, 'README'), 'not a dump\n');
  // A valid dump, three days old.
  writeFileSync(join(dir.stale!, 'app.sql'), sql);
  const old = new Date(Date.now() - 3 * 86_400_000);
  utimesSync(join(dir.stale!, 'app.sql'), old, old);

  const pgDump = (db: string) => ({ engine: 'postgres', databases: [db], connection: { host: PG.host, port: PG.port, user: PG.user } });
  const host = (name: string, source: Record<string, unknown>) => ({ name, server, sources: [{ name: 'db', kind: 'database' as const, path: dir[name]!, max_age: '1d', ...source }] });
  cfg = await writeTestConfig({
    global: { dump_timeout: '4s', checks: { repository: 'never', archives: 'never' }, concurrency: 3 },
    hosts: [
      host('good', { dump: { engine: 'sqlite', databases: [join(root, 'good.db')] } }),
      host('cron', {}),
      host('truncated', {}),
      host('notrailer', {}),
      host('checksum', {}),
      host('stale', {}),
      host('hang', { dump: pgDump(lockedDb) }),
    ],
  });

  // Another session holds an exclusive lock, so pg_dump waits for it forever.
  const locker = execa('psql', ['-h', PG.host, '-U', PG.user, '-X', '-q', '-d', lockedDb, '-c', 'BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);'], { reject: false });
  await waitFor(async () => Number(await psql('postgres', `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = '${lockedDb}' AND l.mode = 'AccessExclusiveLock' AND l.granted`)) > 0);
  try {
    result = await runCli(['--config', cfg.configPath, 'run']);
  } finally {
    locker.kill('SIGKILL');
    await psql('postgres', `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${lockedDb}'`);
  }
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The problem lines the summary printed for `host`. */
function problemsOf(host: string): string {
  return result.stdout.split('\n').filter((l) => l.startsWith(`  ${host}: `)).join('\n');
}

describe('pullback run with bad dumps', () => {
  it('exits 1 and still archives the good host', async () => {
    if (process.env.PULLBACK_SHOW) console.log(result.stdout);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(await borgList(cfg.repoPath('good'), cfg.passphraseFile)).toHaveLength(1);
    expect(problemsOf('good')).toBe('');
  });

  it('verifies and lists the dumps of a directory the server fills itself; its README is a warning, not a dump', async () => {
    expect(problemsOf('cron')).toBe(`  cron: ${dir.cron}/README not a dump: its format is not recognised (pg_dump, pg_dumpall, mariadb-dump/mysqldump, SQLite, or one of these compressed): not counted as a dump`);
    const [archive] = await borgList(cfg.repoPath('cron'), cfg.passphraseFile);
    const x = makeTempDir('cron-extract');
    await borgExtract(cfg.repoPath('cron'), archive!, x, cfg.passphraseFile, ['.pullback/manifest.json']);
    const manifest = JSON.parse(readFileSync(join(x, '.pullback', 'manifest.json'), 'utf8')) as Manifest;
    const dumps = manifest.sources[0]!.dumps!.map((d) => [d.file, d.engine, d.format, d.verified]);
    expect(dumps.sort()).toEqual([
      ['app-20240101T000000Z.pgdump', 'postgres', 'custom', ['sha256', 'pg_restore']],
      ['shop.sql', 'mariadb', 'sql', ['trailer', 'insert_rows']],
    ]);
  });

  it('names the truncated custom-format dump', () => {
    expect(problemsOf('truncated')).toContain(`dump ${dir.truncated}/app-20240101T000000Z.pgdump: pg_restore (full read) failed`);
  });

  it('names the SQL dump without its completion trailer', () => {
    expect(problemsOf('notrailer')).toContain(`dump ${dir.notrailer}/shop.sql: SQL dump is incomplete: it does not end with "-- Dump completed"`);
  });

  it('names the dump whose checksum does not match its metadata', () => {
    expect(problemsOf('checksum')).toContain(`dump ${dir.checksum}/shop-20240101T000000Z.sql: SHA-256 of the pulled file`);
    expect(problemsOf('checksum')).toContain('does not match its metadata');
  });

  it('names the newest dump of a stale directory', () => {
    expect(problemsOf('stale')).toMatch(new RegExp(`dump ${dir.stale}/app\\.sql is stale: the newest dump is 3d old .*older than max_age 1d`));
  });

  it('kills a hanging dump after dump_timeout and leaves no partial file', async () => {
    expect(problemsOf('hang')).toMatch(new RegExp(`postgres dump of ${lockedDb} into ${dir.hang}/${lockedDb}-\\d{8}T\\d{6}Z\\.pgdump failed: pg_dump: timed out.*\\(dump_timeout is 4s\\)`));
    expect(readdirSync(dir.hang!)).toEqual([]);
    // The remote pg_dump was killed, not just abandoned.
    await waitFor(async () => Number(await psql('postgres', `SELECT count(*) FROM pg_stat_activity WHERE datname = '${lockedDb}' AND application_name = 'pg_dump'`)) === 0);
    for (const h of ['truncated', 'notrailer', 'checksum', 'stale', 'hang']) expect(await borgList(cfg.repoPath(h), cfg.passphraseFile).catch(() => [])).toEqual([]);
  });
});
