// A dump directory the server's cron fills, with the server's clock wrong (real sshd, rsync, borg,
// PostgreSQL). Night 1: app-1 (500 rows) was written while the clock ran a year ahead
// (`touch -d +365days`), app-2 (1000 rows, the truly newest) at the right time. app-1 used to be
// "the newest" and fresh for a year, and a restore took it: 500 rows fewer, "every check passed".
// Now the night is red naming app-1, the time it claims and that the clock or the file is wrong;
// app-2 is archived and restored. Night 2 (app-1 removed): app-3 (1200 rows) appears claiming a time
// two hours back (the clock now behind): a warning, and the restore takes app-3, first seen last,
// over app-2, whose claimed time is later.
import { mkdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, createPgDatabase, makeTempDir, PG, psql, queryCatalog, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';

let cfg: TestConfig;
let dir: string;
let db: string;
const DAY = 86_400;

const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a]);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const rows = async () => Number(await psql(db, 'SELECT count(*) FROM items'));

async function dumpAs(file: string, count: number, mtimeSeconds: number): Promise<void> {
  await psql(db, `DELETE FROM items; INSERT INTO items SELECT g FROM generate_series(1, ${count}) g;`);
  await execa('pg_dump', ['-h', PG.host, '-U', PG.user, '--format=custom', `--file=${join(dir, file)}`, db]);
  utimesSync(join(dir, file), mtimeSeconds, mtimeSeconds);
}

beforeAll(async () => {
  const server = await startSshd();
  dir = join(makeTempDir('dump-future-'), 'cron dumps');
  mkdirSync(dir, { recursive: true });
  db = await createPgDatabase('pbfuture');
  await psql(db, 'CREATE TABLE items (id int PRIMARY KEY)');
  const now = Date.now() / 1000;
  await dumpAs('app-1.pgdump', 500, now + 365 * DAY);
  await dumpAs('app-2.pgdump', 1000, now - 60);
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never' } },
    hosts: [{ name: 'cron', server, sources: [{ name: 'db', kind: 'database' as const, path: dir, database: db, max_age: '1d' }] }],
  });
}, 600_000);

describe('a dump dated in the future (server clock wrong)', () => {
  it('the night is red, naming the dump, the time it claims and that the clock or the file is wrong; the other dump is archived', async () => {
    const r = await cli('run');
    if (process.env.PULLBACK_SHOW) console.log(r.stdout);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`dump ${esc(dir)}/app-1\\.pgdump claims a time 36[45]d( \\d+h)? in the future \\(modified \\d{4}-`));
    expect(r.stdout).toContain("the main server's clock or the file's time is wrong");
    expect(r.stdout).not.toMatch(/app-2\.pgdump claims/);
    const steps = queryCatalog<{ step: string; status: string }>(cfg.stateDir, "SELECT step, status FROM steps WHERE source = 'db' ORDER BY id");
    expect(steps).toEqual(expect.arrayContaining([{ step: 'dump_times', status: 'failed' }, { step: 'verify', status: 'ok' }]));
    // The good dump went into the archive; the refused one is not a dump of it.
    expect(await borgList(cfg.repoPath('cron'), cfg.passphraseFile)).toHaveLength(1);
    const recorded = queryCatalog<{ file: string; first_seen_at: string | null }>(cfg.stateDir, 'SELECT file, first_seen_at FROM dumps ORDER BY id');
    expect(recorded.map((d) => d.file)).toEqual(['app-2.pgdump']);
    expect(recorded[0]!.first_seen_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const status = await cli('status');
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/RED cron\/db: last attempt failed: dump .*app-1\.pgdump claims a time 36\d/);
  });

  it('restore takes the truly newest dump (1000 rows), never the one claiming next year', async () => {
    await psql(db, 'DELETE FROM items');
    const r = await cli('restore', '--host', 'cron', '--yes');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('app-1.pgdump');
    expect(r.stdout).toMatch(/PASS {2}db: rows of .*1000 rows, as at dump time/);
    expect(await rows()).toBe(1000);
  });

  it('newest is when pullback first saw a dump: a new dump claiming an earlier time is a warning, and restored over the older one', async () => {
    rmSync(join(dir, 'app-1.pgdump'));
    const firstSeen2 = queryCatalog<{ first_seen_at: string }>(cfg.stateDir, "SELECT first_seen_at FROM dumps WHERE file = 'app-2.pgdump'")[0]!.first_seen_at;
    // The server's clock now two hours behind: app-3 is the truly newest but claims an earlier time than app-2.
    await dumpAs('app-3.pgdump', 1200, Date.now() / 1000 - 7200);
    const r = await cli('run');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`dump ${esc(dir)}/app-3\\.pgdump is new to pullback but claims to be older than its last look at the directory \\(modified .*\\): an old dump put back, or the main server's clock is behind`));
    const recorded = queryCatalog<{ file: string; first_seen_at: string }>(cfg.stateDir, 'SELECT file, first_seen_at FROM dumps WHERE run_id = (SELECT MAX(run_id) FROM dumps) ORDER BY file');
    expect(recorded.find((d) => d.file === 'app-2.pgdump')!.first_seen_at).toBe(firstSeen2);
    expect(recorded.find((d) => d.file === 'app-3.pgdump')!.first_seen_at > firstSeen2).toBe(true);

    await psql(db, 'DELETE FROM items');
    const restored = await cli('restore', '--host', 'cron', '--yes');
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
    expect(await rows()).toBe(1200);
  });
});
