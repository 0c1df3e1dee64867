// Plain-SQL PostgreSQL dumps a server's own cron writes (`pg_dump --format=plain`, and the same
// gzip-compressed) are restorable and drilled, end to end on real sshd, borg and PostgreSQL: the
// night says what it verified of each format, `restore --dry-run` checks the restore path can load
// the format, `restore --only SOURCE` replaces the database through psql (ON_ERROR_STOP) with the
// rows it had at dump time, the drill loads both into scratch databases (green), and a plain dump
// cut short in a statement (its trailer put back, so the night cannot tell) makes the drill red.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dropPgDatabase,
  generateKey,
  makeTempDir,
  PG,
  psql,
  REPO_ROOT,
  runCli,
  startSshd,
  tableFingerprints,
  writeTestConfig,
  type CliResult,
  type TableFingerprint,
  type TestConfig,
} from '../../harness/index.js';
import { makePgSource } from '../dump/fixtures.js';
import { drillJson } from '../drill/helpers.js';

let cfg: TestConfig;
let night: CliResult;
let appDb: string;
let shopDb: string;
/** Touched by the gated host's stop_writes: it must never run when the restore cannot load the dump. */
let stopped: string;
const origin: Record<string, Record<string, TableFingerprint>> = {};
const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args]);

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('plain-sql-dumps');
  const dir = { plain: join(root, 'plain'), gz: join(root, 'gz'), cut: join(root, 'cut'), gated: join(root, 'gated') };
  stopped = join(root, 'writes-stopped');
  for (const d of Object.values(dir)) mkdirSync(d);
  [appDb, shopDb] = await Promise.all([makePgSource(300), makePgSource(200)]);
  const plainDump = (db: string) => execFileSync('pg_dump', ['-h', PG.host, '-U', PG.user, '--format=plain', db]);

  const app = plainDump(appDb);
  writeFileSync(join(dir.plain, 'app.sql'), app);
  writeFileSync(join(dir.gated, 'app.sql'), app);
  writeFileSync(join(dir.gz, 'shop.sql.gz'), gzipSync(plainDump(shopDb)));
  // Cut in the middle of a CREATE TABLE, the trailer put back: complete-looking, but it cannot load.
  const at = app.indexOf('CREATE TABLE billing.invoices');
  expect(at).toBeGreaterThan(0);
  writeFileSync(join(dir.cut, 'app.sql'), Buffer.concat([app.subarray(0, at + 40), Buffer.from('\n--\n-- PostgreSQL database dump complete\n--\n\n')]));
  origin.app = await tableFingerprints('postgres', appDb);
  origin.shop = await tableFingerprints('postgres', shopDb);

  // A second server whose only keys are the restricted ones `pullback hosts authorize` prints.
  const gatedServer = await startSshd();
  const keyDir = makeTempDir('plain-sql-keys');
  const keys = { pull: join(keyDir, 'pull'), dump: join(keyDir, 'dump'), restore: join(keyDir, 'restore') };
  for (const [role, file] of Object.entries(keys)) await generateKey(file, `pullback-${role}`);

  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never' } },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'plain', kind: 'database', path: dir.plain, max_age: '1d', database: appDb },
          { name: 'gz', kind: 'database', path: dir.gz, max_age: '1d', database: shopDb },
        ],
      },
      { name: 'cut', server, sources: [{ name: 'cut', kind: 'database', path: dir.cut, max_age: '1d', database: 'pb_cut_never_restored' }] },
      {
        name: 'gated',
        server: gatedServer,
        sources: [{ name: 'plain', kind: 'database', path: dir.gated, max_age: '1d', database: 'pb_gated_never_restored' }],
        override: { keys, restore: { stop_writes: [['touch', stopped]], start_writes: [['true']] } },
      },
    ],
  });
  const gate = join(REPO_ROOT, 'share', 'remote', 'pullback-gate');
  const lines: string[] = [];
  for (const extra of [[], ['--restore']]) {
    const r = await cli('hosts', 'authorize', 'gated', '--gate', gate, ...extra);
    expect(r.exitCode, r.stderr).toBe(0);
    lines.push(...r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')));
  }
  writeFileSync(join(gatedServer.dir, 'authorized_keys'), `${lines.join('\n')}\n`, { mode: 0o600 });
  night = await cli('run');
});

describe('plain SQL PostgreSQL dumps from a cron dump directory', () => {
  it('the night verifies both and says what it verified of their format', () => {
    if (process.env.PULLBACK_SHOW) console.log(night.stdout, night.stderr);
    expect(night.exitCode, night.stdout + night.stderr).toBe(0);
    const said = night.stdout + night.stderr;
    const how = 'its trailer and the row counts read from its COPY blocks';
    expect(said).toContain(`plain/app.sql: PostgreSQL plain SQL: verified: ${how} (4 table(s), 460 row(s)); that every statement loads is proven by a drill (psql with ON_ERROR_STOP)`);
    expect(said).toContain(`gz/shop.sql.gz: PostgreSQL plain SQL, gzip-compressed (decompressed whole): verified: ${how} (4 table(s), 360 row(s))`);
  });

  it('restore --dry-run checks that the restore path loads the format', async () => {
    const r = await cli('restore', '--host', 'main', '--only', 'gz', '--dry-run');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`PASS {2}dump of postgres ${shopDb} on 127\\.0\\.0\\.1:5432 loadable: plain SQL, through psql with ON_ERROR_STOP \\(gzip-compressed: decompressed on the backup host before it is pushed\\)`));
  });

  it('with the restricted restore key, the readiness checklist refuses a plain dump before writes stop', async () => {
    const r = await cli('restore', '--host', 'gated', '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}dump of postgres pb_gated_never_restored on 127\.0\.0\.1:5432 loadable: plain SQL, through psql with ON_ERROR_STOP: the restore key's forced command \(pullback-gate\) refuses psql scripts with backslash lines/);
    expect(r.stdout).toContain('nothing was changed');
    expect(existsSync(stopped)).toBe(false);
  });

  it('restore --only replaces the database from the plain dump with its rows at dump time', async () => {
    await psql(appDb, "INSERT INTO users (name) VALUES ('after the dump'); CREATE TABLE since_dump (x int); DELETE FROM billing.invoices WHERE id < 10;");
    const r = await cli('restore', '--host', 'main', '--only', 'plain', '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('(replaced by the dump: a plain SQL dump, loaded with psql (ON_ERROR_STOP, one transaction) into a fresh database, then swapped in; objects created since the dump are gone)');
    expect(r.stdout).toMatch(/PASS {2}plain: rows of postgres \S+ on 127\.0\.0\.1:5432: 4 tables, 460 rows, as at dump time/);
    expect(await tableFingerprints('postgres', appDb)).toEqual(origin.app);
  });

  it('restore --only brings back a dropped database from the gzip-compressed plain dump', async () => {
    await dropPgDatabase(shopDb);
    const r = await cli('restore', '--host', 'main', '--only', 'gz', '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await tableFingerprints('postgres', shopDb)).toEqual(origin.shop);
  });

  it('the drill loads both into scratch databases and compares their rows: green', async () => {
    const { exitCode, report, stderr } = await drillJson(cfg.configPath, ['--host', 'main']);
    expect(exitCode, stderr + JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.status).toBe('ok');
    expect(d.databases.map((x) => [x.path, x.status]).sort()).toEqual([
      ['gz/shop.sql.gz', 'ok'],
      ['plain/app.sql', 'ok'],
    ]);
    expect(d.databases.find((x) => x.path === 'plain/app.sql')!.tables).toContainEqual({ table: 'public.users', expected: 300, actual: 300 });
    expect(d.databases.find((x) => x.path === 'gz/shop.sql.gz')!.tables).toContainEqual({ table: 'public.users', expected: 200, actual: 200 });
  });

  it('a plain dump that fails to load makes the drill red', async () => {
    const { exitCode, report } = await drillJson(cfg.configPath, ['--host', 'cut']);
    expect(exitCode, JSON.stringify(report, null, 2)).toBe(1);
    const d = report.drills[0]!;
    expect(d.status).toBe('failed');
    expect(d.databases.map((x) => [x.path, x.status])).toEqual([['cut/app.sql', 'failed']]);
    expect(d.databases[0]!.error).toMatch(/restoring cut\/app\.sql into pullback_drill_\S+ on 127\.0\.0\.1:5432 failed: exited 3/);
  });
});
