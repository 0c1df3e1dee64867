// Restores whose outcome is uncertain, end to end (real sshd, borg, MariaDB, PostgreSQL): the
// restore reports what is true of the target, never `untouched` unless it is proven, and never
// a clean OK for what it could not verify.
// - A MariaDB replace whose DROP DATABASE fails after it began (a file MariaDB does not own in the
//   database's directory: the DROP removes every table, then cannot remove the directory) is
//   `possibly changed`, names what to check, exits 1 and prints the rollback, which works.
// - A PostgreSQL swap whose client dies before COMMIT is `untouched` (proven from the server); one
//   whose client dies after COMMIT is swapped, with a warning. The only fake of the file: a `psql`
//   wrapper on the server's PATH, since a connection cannot be made to die around COMMIT on demand.
// - A dump with no recorded row counts is restored with a WARN "not verified", a `warning` verify
//   step and "verified except" (exit 0).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMariaDatabase, createPgDatabase, makeTempDir, mariadb, MARIA, PG, psql, runBorg, runCli, startSshd, writeTestConfig, type SshdServer, type TestSource } from '../../harness/index.js';
import { catalogRestores, makeTrees, RESTORE_WORLD_CHECKS, stepDetails, type World } from './setup.js';
import { pullbackTag } from '../../../src/restore/databases/postgres-swap.js';

/** Room for a backup or a restore of a few dozen SSH commands on a busy 2-core machine. */
const SLOW_MS = 600_000;
const slowCli = (w: World, ...args: string[]) => runCli(['--config', w.cfg.configPath, ...args], { timeoutMs: SLOW_MS });

/** Host `main` with the one database source `db`, backed up once. */
async function backedUpDb(server: SshdServer, source: TestSource): Promise<World> {
  const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: [source] }], global: RESTORE_WORLD_CHECKS });
  const w: World = { server, cfg, main: makeTrees('uncertain-unused-', false), cli: (...args) => runCli(['--config', cfg.configPath, ...args]) };
  const r = await slowCli(w, 'run', '--host', 'main');
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  return w;
}

/** A fresh dump folder for a database source. */
function dumpDir(prefix: string): string {
  const dir = join(makeTempDir(prefix), 'dumps');
  mkdirSync(dir);
  return dir;
}

/** The line of the outcome block listing the untouched sources ('' when none). */
const untouchedLine = (stdout: string) => /^ {2}untouched: .*$/m.exec(stdout)?.[0] ?? '';

describe('pullback restore: uncertain outcomes', () => {
  it('a MariaDB replace whose DROP failed after it began is "possibly changed", names what to check, and the rollback brings it back', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbdrop');
    await mariadb(maria, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t SELECT seq FROM seq_1_to_40; CREATE TABLE u (x INT);');
    const w = await backedUpDb(server, { name: 'maria', kind: 'database', path: dumpDir('uncertain-maria-'), dump: { engine: 'mariadb', databases: [maria], connection: { ...MARIA } } });
    await mariadb(maria, 'INSERT INTO t VALUES (41), (42)'); // the state before the restore differs from the dump

    // A real fault: DROP DATABASE removes the tables one by one, then fails to remove a folder
    // holding a file MariaDB does not know (ERROR 1010, errno 39), leaving an empty database.
    const datadir = (await mariadb(undefined, 'SELECT @@datadir')).trim();
    const stray = join(datadir, maria, 'not-a-table.txt');
    writeFileSync(stray, 'left here by hand\n');
    try {
      const r = await slowCli(w, 'restore', '--host', 'main', '--yes');
      expect(r.exitCode, r.stderr + r.stdout).toBe(1);
      // The truth on the server: the DROP began and removed the tables, so the database changed.
      expect(await mariadb(maria, 'SHOW TABLES')).toBe('');
      expect(r.stdout).toMatch(/FAILED at database maria: .*Error dropping database/);
      expect(r.stdout).toContain(`${maria} is possibly changed: the DROP may have removed some of its tables; check SHOW TABLES in ${maria} against the safety snapshot`);
      expect(r.stdout).toMatch(/^ {2}possibly changed: maria \(/m);
      expect(untouchedLine(r.stdout)).not.toContain('maria');
      const rollback = /To return the target to its state before the restore: .* restore --rollback (\d+) --yes$/m.exec(r.stdout);
      expect(rollback, r.stdout).not.toBeNull();
      expect(catalogRestores(w.cfg).steps.filter((s) => s.source === 'maria').map((s) => s.status)).toEqual(['failed']);

      // The operator removes the stray file (as the error's advice leads to) and rolls back.
      rmSync(stray);
      const rb = await slowCli(w, 'restore', '--rollback', rollback![1]!, '--yes');
      expect(rb.exitCode, rb.stderr + rb.stdout).toBe(0);
      expect(await mariadb(maria, 'SELECT COUNT(*), MAX(id) FROM t')).toBe('42\t42');
    } finally {
      rmSync(stray, { force: true });
    }
  }, SLOW_MS * 3);

  it('a PostgreSQL swap whose connection died before COMMIT is untouched (proven); after COMMIT it is swapped, with a warning', async () => {
    // The fake: `psql` first on the server's PATH, passing everything to the real psql except the
    // swap's script (the one with RENAME TO) while a fault is armed (one shot, by a file): then it
    // runs the script without its COMMIT (psql ends, the server rolls back) or whole (committed),
    // and fails as a connection that died would.
    const bin = makeTempDir('uncertain-bin-');
    const fault = join(bin, 'fault');
    const realPsql = execFileSync('which', ['psql'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'psql'),
      `#!/bin/bash
if [ -f '${fault}' ] && [ "\${*: -2}" = '-f -' ]; then
  script=$(cat)
  if grep -q 'RENAME TO' <<<"$script"; then
    mode=$(cat '${fault}'); rm -f '${fault}'
    if [ "$mode" = after-commit ]; then '${realPsql}' "$@" <<<"$script" >/dev/null || exit $?
    else grep -v '^COMMIT;$' <<<"$script" | '${realPsql}' "$@" >/dev/null || exit $?; fi
    echo 'psql: error: server closed the connection unexpectedly' >&2
    exit 2
  fi
  exec '${realPsql}' "$@" <<<"$script"
fi
exec '${realPsql}' "$@"
`,
    );
    chmodSync(join(bin, 'psql'), 0o755);
    const server = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:${process.env.PATH}`] });
    const db = await createPgDatabase('pbswap');
    await psql(db, 'CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 50);');
    const w = await backedUpDb(server, { name: 'db', kind: 'database', path: dumpDir('uncertain-pg-'), dump: { engine: 'postgres', databases: [db], connection: { ...PG }, keep: 2 } });
    await psql(db, 'INSERT INTO items SELECT generate_series(51, 60);');
    const oid = () => psql('postgres', `SELECT oid FROM pg_database WHERE datname = '${db}'`);
    // This database's work databases only: other test files restore into the same server at the same time.
    const workDatabases = () => psql('postgres', `SELECT datname FROM pg_database WHERE datname LIKE 'pullback\\_%\\_${pullbackTag(db)}\\_%'`);
    const before = await oid();

    writeFileSync(fault, 'before-commit');
    const r1 = await slowCli(w, 'restore', '--host', 'main', '--yes');
    expect(r1.exitCode, r1.stderr + r1.stdout).toBe(1);
    expect(existsSync(fault)).toBe(false); // the fault fired
    // The truth: the live database is the one from before the restore, and the fresh one is gone.
    expect(await oid()).toBe(before);
    expect(await psql(db, 'SELECT count(*) FROM items')).toBe('60');
    expect(await workDatabases()).not.toMatch(/pullback_(new|old)_/);
    expect(r1.stdout).toMatch(/FAILED at database db: .*server closed the connection unexpectedly/);
    expect(untouchedLine(r1.stdout)).toMatch(/untouched: db\b/);
    expect(r1.stdout).not.toContain('possibly changed');
    expect(r1.stdout).toMatch(/To return the target to its state before the restore: .* restore --rollback \d+ --yes$/m);

    writeFileSync(fault, 'after-commit');
    const r2 = await slowCli(w, 'restore', '--host', 'main', '--yes');
    expect(r2.exitCode, r2.stderr + r2.stdout).toBe(0);
    expect(existsSync(fault)).toBe(false);
    // The truth: the restored database carries the live name, the replaced one was dropped.
    expect(await oid()).not.toBe(before);
    expect(await psql(db, 'SELECT count(*) FROM items')).toBe('50');
    expect(await workDatabases()).not.toMatch(/pullback_(new|old)_/);
    // Swapped, and said so on the step's own line: a WARN, not a plain OK (the client did fail).
    expect(r2.stdout).toMatch(new RegExp(`^ {2}WARN {4}database db: .*; warning: postgres ${db} .*: the swap reported .*server closed the connection unexpectedly, but it had committed: ${db} is the restored database$`, 'm'));
    const { restores, steps } = catalogRestores(w.cfg);
    const id = restores.at(-1)!.id as number;
    expect(steps.filter((s) => s.restore_id === id && s.source === 'db').map((s) => s.status)).toEqual(['warning']);
    expect(JSON.stringify(stepDetails(w.cfg, id, 'database'))).toContain('but it had committed');
    expect(r2.stdout).toMatch(/PASS {2}db: rows of postgres .*: 1 tables, 50 rows, as at dump time/);
  }, SLOW_MS * 3);

  it('a dump with no recorded row counts: WARN "not verified", a warning verify step, "verified except", exit 0', async () => {
    const server = await startSshd();
    const maria = await createMariaDatabase('pbnocounts');
    await mariadb(maria, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);');
    // A dump written by the server's own cron (no metadata beside it).
    const dir = dumpDir('uncertain-cron-');
    execFileSync('mariadb-dump', ['-h', MARIA.host, '-u', MARIA.user, '--single-transaction', `--result-file=${join(dir, 'app.sql')}`, maria]);
    const w = await backedUpDb(server, { name: 'db', kind: 'database', path: dir, database: maria });

    // The nightly counts the rows of every dump it can read (MariaDB SQL, PostgreSQL custom, SQLite)
    // from the pulled file itself, cron-written or not, so no real night archives a restorable dump
    // without them. An archive from before row counts were recorded is made the way borg allows:
    // the archive extracted, rowCounts taken out of its manifest, and re-created under its name.
    const repo = w.cfg.repoPath('main');
    const [archive] = (await runBorg(['list', '--short', repo], w.cfg.passphraseFile)).stdout.split('\n').filter(Boolean);
    const tree = makeTempDir('uncertain-archive-');
    await runBorg(['extract', '--numeric-ids', `${repo}::${archive}`], w.cfg.passphraseFile, tree);
    const manifestFile = join(tree, '.pullback', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { sources: Array<{ dumps?: Array<Record<string, unknown>> }> };
    let removed = 0;
    for (const s of manifest.sources) for (const d of s.dumps ?? []) if (d.rowCounts && delete d.rowCounts) removed++;
    expect(removed).toBe(1);
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    await runBorg(['delete', `${repo}::${archive}`], w.cfg.passphraseFile);
    await runBorg(['create', '--numeric-ids', `${repo}::${archive}`, 'db', '.pullback'], w.cfg.passphraseFile, tree);

    await mariadb(maria, 'DELETE FROM t WHERE id = 3');
    const r = await slowCli(w, 'restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await mariadb(maria, 'SELECT COUNT(*) FROM t')).toBe('3');
    expect(r.stdout).toMatch(/WARN {2}db: rows of mariadb .*: not verified: no row counts were recorded with the dump, so the rows were not compared/);
    expect(r.stdout).not.toMatch(/PASS {2}db: rows of/);
    // A cron dump also records no character sets (the other check that could not verify).
    expect(r.stdout).toMatch(/done, verified except 2 check\(s\) that could not verify:\n {2}db: character sets .*: not verified.*\n {2}db: rows of mariadb .*: not verified/);
    expect(r.stdout).not.toContain('every check passed');
    const { restores, steps } = catalogRestores(w.cfg);
    const id = restores.at(-1)!.id as number;
    expect(steps.filter((s) => s.restore_id === id && s.kind === 'verify').map((s) => s.status)).toEqual(['warning']);
  }, SLOW_MS * 3);
});
