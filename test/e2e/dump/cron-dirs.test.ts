// Directories the server's own cron fills: only files recognised as dumps count. A dump from 2020
// next to a fresh dump.log is stale, a directory of logs has no dump, a truncated .sql.gz and a
// compressed SQL dump without its trailer fail, a good zstd dump passes, and with `pattern` the
// matching files are the dumps and every other file a warning.
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, makeTempDir, PG, runCli, startSshd, writeTestConfig, type CliResult, type TestConfig } from '../../harness/index.js';
import { makePgSource } from './fixtures.js';

let cfg: TestConfig;
let result: CliResult;
const dir: Record<string, string> = {};
const HOSTS = ['stalelog', 'nodump', 'gztrunc', 'gznotrailer', 'zstok', 'pattern'];

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('dump-cron-dirs');
  for (const h of HOSTS) mkdirSync((dir[h] = join(root, h)));
  const db = await makePgSource(300);
  const sql = execFileSync('pg_dump', ['-h', PG.host, '-U', PG.user, '--format=plain', db]);

  // A valid dump from 2020, next to a fresh log and README the same cron job keeps writing.
  writeFileSync(join(dir.stalelog!, 'app.sql'), sql);
  const old = new Date('2020-03-01T00:00:00Z');
  utimesSync(join(dir.stalelog!, 'app.sql'), old, old);
  writeFileSync(join(dir.stalelog!, 'dump.log'), 'dump finished OK\n');
  writeFileSync(join(dir.stalelog!, 'README'), 'dumps of app go here\n');
  // Only a log: the dump job never wrote anything.
  writeFileSync(join(dir.nodump!, 'dump.log'), 'pg_dump: error: connection refused\n');
  // A gzip stream cut short, and a complete gzip of a SQL dump that itself stopped early.
  const gz = gzipSync(sql);
  writeFileSync(join(dir.gztrunc!, 'app.sql.gz'), gz.subarray(0, Math.floor(gz.length * 0.7)));
  writeFileSync(join(dir.gznotrailer!, 'app.sql.gz'), gzipSync(sql.subarray(0, sql.indexOf('-- PostgreSQL database dump complete'))));
  // A good zstd dump.
  writeFileSync(join(dir.zstok!, 'app.sql.zst'), execFileSync('zstd', ['-q', '-c'], { input: sql }));
  // With a pattern: the matching file is the dump, the others warnings.
  writeFileSync(join(dir.pattern!, 'app-nightly.sql.xz'), execFileSync('xz', ['-c'], { input: sql }));
  writeFileSync(join(dir.pattern!, 'app-manual.sql'), sql);
  writeFileSync(join(dir.pattern!, 'notes.txt'), 'kept by hand\n');

  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never' }, concurrency: 3 },
    hosts: HOSTS.map((name) => ({
      name,
      server,
      sources: [{ name: 'db', kind: 'database' as const, path: dir[name]!, max_age: '1d', ...(name === 'pattern' ? { pattern: '*-nightly.sql.xz' } : {}) }],
    })),
  });
  result = await runCli(['--config', cfg.configPath, 'run']);
});

/** The problem lines the summary printed for `host`. */
function problemsOf(host: string): string {
  return result.stdout.split('\n').filter((l) => l.startsWith(`  ${host}: `)).join('\n');
}

describe('pullback run with cron-filled dump directories', () => {
  it('exits 1 for the bad directories', () => {
    if (process.env.PULLBACK_SHOW) console.log(result.stdout);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
  });

  it('a dump from 2020 is stale however fresh the log beside it; the log and README are named, not counted', () => {
    const p = problemsOf('stalelog');
    expect(p).toMatch(new RegExp(`dump ${dir.stalelog}/app\\.sql is stale: the newest dump is \\d+d( \\d+h)? old .*older than max_age 1d`));
    expect(p).toContain(`${dir.stalelog}/dump.log not a dump: its format is not recognised`);
    expect(p).toContain(`${dir.stalelog}/README not a dump: its format is not recognised`);
  });

  it('a directory holding only a log has no dump', () => {
    expect(problemsOf('nodump')).toContain(`no dump files in ${dir.nodump} (1 other file(s), none recognised as a dump)`);
  });

  it('a truncated .sql.gz fails on gzip reading it whole', () => {
    expect(problemsOf('gztrunc')).toMatch(new RegExp(`dump ${dir.gztrunc}/app\\.sql\\.gz: gzip cannot read it whole \\(exit 1\\).*truncated or damaged`));
  });

  it('a compressed SQL dump without its trailer fails', () => {
    expect(problemsOf('gznotrailer')).toContain(`dump ${dir.gznotrailer}/app.sql.gz: gzip-compressed SQL dump is incomplete: it does not end with "-- PostgreSQL database dump complete"`);
  });

  it('a good zstd dump passes and is archived', async () => {
    expect(problemsOf('zstok')).toBe('');
    expect(await borgList(cfg.repoPath('zstok'), cfg.passphraseFile)).toHaveLength(1);
  });

  it('with a pattern the matching file is the dump and the others are warnings', async () => {
    const p = problemsOf('pattern');
    expect(p).not.toMatch(/stale|no dump|incomplete|cannot read/);
    expect(p).toContain(`${dir.pattern}/app-manual.sql does not match the source's pattern "*-nightly.sql.xz": not counted as a dump`);
    expect(p).toContain(`${dir.pattern}/notes.txt does not match the source's pattern`);
    expect(result.stdout).toMatch(/pattern\s+WARNING/);
    expect(await borgList(cfg.repoPath('pattern'), cfg.passphraseFile)).toHaveLength(1);
  });
});
