// The restricted keys against a stolen key, for real (issue 20): a harness sshd whose
// authorized_keys holds exactly what `pullback hosts authorize` prints, the real pullback-gate,
// pg_dump, psql and the mariadb clients. The dump key dumps only plain database names (no libpq
// connection string reaching another server) while the nightly `databases: all` dump still works;
// the restore key runs no program through psql or mariadb while a restore still works; a source
// root replaced by a symlink is refused instead of followed (by the night and by a restore's readiness).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { mariadbEngine } from '../../src/engines/mariadb.js';
import { postgresEngine } from '../../src/engines/postgres.js';
import { DB_PLACEHOLDER, OUT_PLACEHOLDER } from '../../src/keys/authorized-keys.js';
import { shellCommand } from '../../src/tools/ssh/quote.js';
import {
  createMariaDatabase,
  createPgDatabase,
  generateKey,
  makeTempDir,
  mariadb,
  psql,
  REPO_ROOT,
  registerCleanup,
  runCli,
  sshDestination,
  sshOptions,
  startSshd,
  writeTestConfig,
  type SshdServer,
  type TestConfig,
} from '../harness/index.js';

const GATE = join(REPO_ROOT, 'share', 'remote', 'pullback-gate');
const PG_CONN = { host: '127.0.0.1', port: 5432, user: 'postgres' };

let server: SshdServer;
let cfg: TestConfig;
let root: string;
const dir = { maria: '', pg: '', blobs: '', secret: '' };
let mariaDb: string;
let secretDb: string;
let optionFile: string;
let user: string;
const keys: Record<'main' | 'pgall', Record<'pull' | 'dump' | 'restore', string>> = { main: { pull: '', dump: '', restore: '' }, pgall: { pull: '', dump: '', restore: '' } };

// Generous: the whole suite runs on a busy 2-core machine, where one dump over ssh can take a minute.
const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 540_000 });

/** A dump key's argv template (as `hosts authorize` puts it in the policy) filled by an attacker: the words sent as they are. */
function filled(template: string[], db: string, out: string): string[] {
  return template.map((w) => w.replace(DB_PLACEHOLDER, () => db).replace(OUT_PLACEHOLDER, () => out));
}

/** ssh with `key` asking for `argv` (quoted as pullback quotes remote commands). */
function ssh(key: string, argv: string[], input = '') {
  return execa('ssh', [...sshOptions(server, key, cfg.knownHostsPath), sshDestination(server), shellCommand(argv)], { reject: false, input });
}

async function refusedBy(key: string, argv: string[], why: RegExp | string, input = '') {
  const r = await ssh(key, argv, input);
  expect(r.exitCode, `${argv.join(' ')}: ${r.stdout}${r.stderr}`).toBe(126);
  expect(r.stderr).toMatch(/pullback-gate: refused: /);
  expect(r.stderr).toMatch(why);
}

beforeAll(async () => {
  server = await startSshd();
  root = makeTempDir('rk-main');
  dir.maria = join(root, 'maria dumps');
  dir.pg = join(root, 'pg');
  dir.blobs = join(root, 'blobs');
  dir.secret = join(root, 'secret');
  for (const d of Object.values(dir)) mkdirSync(d);
  writeFileSync(join(dir.blobs, 'a.bin'), 'blob a\n');
  writeFileSync(join(dir.secret, 'key.txt'), 'top secret\n');
  // The database a stolen dump key is after: not configured anywhere.
  secretDb = await createPgDatabase('rk_secret');
  await psql(secretDb, "CREATE TABLE s (v text); INSERT INTO s VALUES ('the secret');");
  // `databases: all` for MariaDB as a user who sees one database, its password in an option file.
  mariaDb = await createMariaDatabase('rk_all');
  await mariadb(mariaDb, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);');
  user = `pb_rk_${process.pid}`;
  const password = randomBytes(12).toString('hex');
  await mariadb(undefined, `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON \`${mariaDb}\`.* TO '${user}'@'127.0.0.1';`);
  registerCleanup(() => mariadb(undefined, `DROP USER IF EXISTS '${user}'@'127.0.0.1'`).then(() => undefined));
  optionFile = join(root, 'my.cnf');
  writeFileSync(optionFile, `[client]\npassword=${password}\n`, { mode: 0o600 });

  const keyDir = makeTempDir('rk-keys');
  for (const host of ['main', 'pgall'] as const) {
    for (const role of ['pull', 'dump', 'restore'] as const) {
      keys[host][role] = join(keyDir, `${host}-${role}`);
      await generateKey(keys[host][role], `pullback-${host}-${role}`);
    }
  }
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never', data: 'never', drill: 'never' } },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'db', kind: 'database', path: dir.maria, dump: { engine: 'mariadb', databases: 'all', connection: { host: '127.0.0.1', port: 3306, user, password_file: optionFile }, keep: 1 } },
          { name: 'blobs', kind: 'blobs', path: dir.blobs },
        ],
        override: { keys: keys.main, restore: { stop_writes: [['true']], start_writes: [['true']] } },
      },
      // Authorized only: its dump key's template has --dbname=@@DB@@ (never run: it would dump the whole shared server).
      {
        name: 'pgall',
        server,
        sources: [{ name: 'db', kind: 'database', path: dir.pg, dump: { engine: 'postgres', databases: 'all', connection: PG_CONN, keep: 1 } }],
        override: { keys: keys.pgall },
      },
    ],
  });
  const lines: string[] = [];
  for (const args of [['main'], ['main', '--restore'], ['pgall'], ['pgall', '--restore']]) {
    const r = await cli('hosts', 'authorize', ...args, '--gate', GATE);
    expect(r.exitCode, r.stderr).toBe(0);
    lines.push(...r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')));
  }
  expect(lines).toHaveLength(6);
  writeFileSync(join(server.dir, 'authorized_keys'), `${lines.join('\n')}\n`, { mode: 0o600 });
}, 300_000);

describe('the dump key', () => {
  it('refuses connection strings, URIs and options in place of a database name, for every engine and template', async () => {
    const out = (n: number) => join(dir.pg, `.stolen-${n}.partial`);
    const pgNames = [
      `host=localhost port=5432 user=postgres dbname=${secretDb}`,
      `postgresql://postgres@localhost:5432/${secretDb}`,
      `postgres://localhost/${secretDb}?user=postgres`,
      `dbname=${secretDb} hostaddr=127.0.0.1`,
      `service=evil dbname=${secretDb}`,
      '-Fp',
      `${secretDb}\n`,
    ];
    const pgTemplate = postgresEngine.dumpArgv(PG_CONN, DB_PLACEHOLDER, OUT_PLACEHOLDER);
    await Promise.all(pgNames.map((db, i) => refusedBy(keys.pgall.dump, filled(pgTemplate, db, out(i)), 'is not a plain name')));
    const maria = { host: '127.0.0.1', port: 3306, user, passwordFile: optionFile };
    const myNames = ['a b', 'x=y', '../mysql', "it's", 'x'.repeat(65)];
    const myTemplate = mariadbEngine.dumpArgv(maria, DB_PLACEHOLDER, OUT_PLACEHOLDER);
    await Promise.all(myNames.map((db, i) => refusedBy(keys.main.dump, filled(myTemplate, db, join(dir.maria, `.x-${i}.partial`)), 'is not a plain name')));
    // The output placeholder: only a file directly in the dump directory, never through a link.
    symlinkSync(dir.secret, join(dir.pg, 'link'));
    await Promise.all(
      [join(dir.secret, 'x'), `${dir.pg}/../secret/x`, join(dir.pg, 'link', 'x'), join(dir.pg, 'sub', 'x')].map((file) =>
        refusedBy(keys.pgall.dump, filled(pgTemplate, 'postgres', file), 'only the configured dumps'),
      ),
    );
    expect(readdirSync(dir.pg).filter((f) => f.startsWith('.stolen'))).toEqual([]);
    expect(readdirSync(dir.secret)).toEqual(['key.txt']);
    // What the template is for still passes the gate: a plain name (pg_dump then runs for real).
    const ok = await ssh(keys.pgall.dump, filled(pgTemplate, secretDb, out(99)));
    expect(ok.stderr).not.toContain('pullback-gate');
    expect(ok.exitCode, ok.stderr).toBe(0);
  }, 600_000);

  it('the configured nightly dump of databases: all still works through the gate', async () => {
    const r = await cli('run', '--host', 'main');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/main\s+OK/);
    expect(readdirSync(cfg.mirrorPath('main', 'db')).some((f) => f.startsWith(`${mariaDb}-`) && f.endsWith('.sql'))).toBe(true);
  }, 600_000);

  it('a database whose name is not plain is left out and named, the others still dumped', async () => {
    const odd = `rk odd=${process.pid}`;
    await mariadb(undefined, `CREATE DATABASE \`${odd}\`; GRANT ALL ON \`${odd}\`.* TO '${user}'@'127.0.0.1';`);
    registerCleanup(() => mariadb(undefined, `DROP DATABASE IF EXISTS \`${odd}\``).then(() => undefined));
    const before = readdirSync(dir.maria).filter((f) => f.endsWith('.sql')).length;
    const r = await cli('run', '--host', 'main');
    await mariadb(undefined, `DROP DATABASE \`${odd}\``);
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.stdout + r.stderr).toContain(`1 database(s) not dumped: "${odd}"`);
    expect(r.stdout + r.stderr).toContain('list each such database by name under databases:');
    // The plain one was dumped again (rotated to keep: 1, so a newer file).
    const after = readdirSync(dir.maria).filter((f) => f.endsWith('.sql'));
    expect(after).toHaveLength(before);
  }, 600_000);
});

describe('the restore key', () => {
  const pg = ['psql', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-w', '-X', '-q', '-A', '-t', '--dbname=postgres'];
  const my = () => ['mariadb', `--defaults-extra-file=${optionFile}`, '-h', '127.0.0.1', '-P', '3306', '-u', user, '--batch', `--database=${mariaDb}`];

  it('runs no program through psql or mariadb, and writes no file outside the roots', async () => {
    const marker = join(root, 'ran');
    const touch = `touch ${marker}`;
    writeFileSync(join(dir.pg, 'evil.sql'), `SELECT 1;\n\\! ${touch}\n`);
    writeFileSync(join(dir.pg, 'evil2.sql'), `SELECT 1 \\g |${touch}\n`);
    const k = keys.pgall.restore;
    await Promise.all([
      refusedBy(k, [...pg, '-c', `\\! ${touch}`], 'psql meta-command'),
      refusedBy(k, [...pg, '--command', `\\! ${touch}`], "option '--command' not allowed"),
      refusedBy(k, [...pg, '-c', `\\copy (select 1) to program '${touch}'`], 'psql meta-command'),
      refusedBy(k, [...pg, '-f', join(dir.pg, 'evil.sql')], 'holds a backslash'),
      refusedBy(k, [...pg, '-f', join(dir.pg, 'evil2.sql')], 'holds a backslash'),
      refusedBy(k, [...pg, '-f', '-'], 'holds a backslash', `\\o |${touch}\nSELECT 1;\n`),
      refusedBy(k, pg, 'holds a backslash', `\\i /etc/passwd\n`),
      refusedBy(k, [...pg, '-o', `|${touch}`, '-c', 'SELECT 1'], "option '-o' not allowed"),
      refusedBy(k, [...pg, '-L', marker, '-c', 'SELECT 1'], "option '-L' not allowed"),
      refusedBy(k, ['pg_dump', '-h', '127.0.0.1', '--file=.ssh/authorized_keys', '--dbname=postgres'], 'not an absolute path'),
      refusedBy(k, ['pg_dump', '-h', '127.0.0.1', `-f${marker}`, '--dbname=postgres'], 'not allowed'),
      refusedBy(keys.main.restore, ['mariadb', `--plugin-dir=${dir.maria}`, '--default-auth=evil', '-e', 'SELECT 1'], 'not allowed'),
    ]);
    // MariaDB's client runs in --sandbox mode: its `system` command is refused by the client itself.
    const sys = await ssh(keys.main.restore, [...my(), '-e', `system ${touch}`]);
    expect(sys.exitCode).not.toBe(0);
    expect(sys.stderr).toContain('Not allowed in the sandbox mode');
    expect(existsSync(marker)).toBe(false);
    // SQL still runs, and a script without meta-commands (pg_dumpall's, \restrict lines and all).
    expect((await ssh(keys.main.restore, [...my(), '-e', 'SELECT COUNT(*) FROM t'])).stdout).toBe('COUNT(*)\n3');
    const globals = join(dir.pg, 'globals.sql');
    const dumped = await ssh(k, ['pg_dumpall', '-h', '127.0.0.1', '-U', 'postgres', '-w', '--globals-only', `--file=${globals}`]);
    expect(dumped.exitCode, dumped.stderr).toBe(0);
    // Its \restrict lines and session settings, without re-applying the shared server's roles.
    const text = readFileSync(globals, 'utf8');
    expect(text).toMatch(/^\\restrict /m);
    writeFileSync(globals, text.split('\n').filter((l) => !/^(CREATE|ALTER|GRANT) /.test(l)).join('\n'));
    const loaded = await ssh(k, ['psql', '-h', '127.0.0.1', '-U', 'postgres', '-w', '-X', '-q', '--dbname=postgres', '-f', globals]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    expect(loaded.stderr).not.toContain('pullback-gate');
  }, 600_000);

  it('a restore of the MariaDB dump works through it (the dump fed to the sandboxed client)', async () => {
    await mariadb(mariaDb, 'DELETE FROM t WHERE id > 1');
    const r = await cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect((await mariadb(mariaDb, 'SELECT COUNT(*) FROM t')).trim()).toBe('3');
  }, 600_000);
});

describe('granular restores through the restore key', () => {
  it('one file, a folder with --delete, their rollback, and one table --as a new name', async () => {
    mkdirSync(join(dir.blobs, 'sub dir'), { recursive: true });
    writeFileSync(join(dir.blobs, 'sub dir', 'b.bin'), 'blob b\n');
    const night = await cli('run', '--host', 'main');
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);
    unlinkSync(join(dir.blobs, 'a.bin'));
    writeFileSync(join(dir.blobs, 'sub dir', 'b.bin'), 'changed\n');
    writeFileSync(join(dir.blobs, 'sub dir', 'new.bin'), 'created since\n');
    const one = await cli('restore', '--host', 'main', '--path', 'blobs/a.bin', '--yes');
    expect(one.exitCode, one.stderr + one.stdout).toBe(0);
    expect(readFileSync(join(dir.blobs, 'a.bin'), 'utf8')).toBe('blob a\n');
    const folder = await cli('restore', '--host', 'main', '--path', 'blobs/sub dir', '--delete', '--yes');
    expect(folder.exitCode, folder.stderr + folder.stdout).toBe(0);
    expect(readdirSync(join(dir.blobs, 'sub dir'))).toEqual(['b.bin']);
    expect(readFileSync(join(dir.blobs, 'sub dir', 'b.bin'), 'utf8')).toBe('blob b\n');
    // The first restore's rollback removes the file it created where there was none.
    const id = /Restore (\d+) of main: done/.exec(one.stdout)?.[1];
    const back = await cli('restore', '--rollback', id!, '--yes');
    expect(back.exitCode, back.stderr + back.stdout).toBe(0);
    expect(existsSync(join(dir.blobs, 'a.bin'))).toBe(false);
    // One table of the MariaDB dump, beside the live one: its login needs scratch databases, and says so.
    const denied = await cli('restore', '--host', 'main', '--only', 'db', '--database', mariaDb, '--table', 't', '--as', 't_copy', '--yes');
    expect(denied.exitCode).toBe(1);
    expect(denied.stdout).toContain(`the login ${user} needs to create and drop scratch databases: GRANT ALL ON \`pullback\\_table\\_%\`.* TO its account`);
    await mariadb(undefined, `GRANT ALL ON \`pullback\\_table\\_%\`.* TO '${user}'@'127.0.0.1'`);
    const table = await cli('restore', '--host', 'main', '--only', 'db', '--database', mariaDb, '--table', 't', '--as', 't_copy', '--yes');
    expect(table.exitCode, table.stderr + table.stdout).toBe(0);
    expect((await mariadb(mariaDb, 'SELECT COUNT(*) FROM t_copy')).trim()).toBe('3');
  }, 600_000);
});

describe('a source root replaced by a symlink', () => {
  it('is refused by the pull, dump and restore keys instead of followed', async () => {
    renameSync(dir.blobs, `${dir.blobs}.real`);
    symlinkSync(dir.secret, dir.blobs);
    renameSync(dir.maria, `${dir.maria}.real`);
    symlinkSync(dir.secret, dir.maria);
    try {
      const out = makeTempDir('rk-stolen');
      const rsync = await execa('rsync', ['-a', '-s', '-e', ['ssh', ...sshOptions(server, keys.main.pull, cfg.knownHostsPath)].join(' '), `${sshDestination(server)}:${dir.blobs}/`, `${out}/`], { reject: false });
      expect(rsync.exitCode).not.toBe(0);
      expect(rsync.stderr).toContain(`pullback-gate: refused: '${dir.blobs}' is a symlink or lies below one (it leads to '${dir.secret}' now)`);
      expect(existsSync(join(out, 'key.txt'))).toBe(false);
      const why = 'is a symlink or lies below one';
      await Promise.all([
        refusedBy(keys.main.pull, ['sha256sum', '--', join(dir.blobs, 'key.txt')], why),
        refusedBy(keys.main.dump, ['install', '-m', '600', '/dev/null', join(dir.maria, '.x.partial')], why),
        refusedBy(keys.main.dump, ['mkdir', '-p', '--', dir.maria], why),
        refusedBy(keys.main.restore, ['mkdir', '-p', '--', join(dir.blobs, 'new')], why),
      ]);
      // The nightly run says so in the failing pull, before any transfer: the mirror holds nothing of the link's target.
      const r = await cli('run', '--host', 'main');
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(
        `main: source blobs: ${dir.blobs} is now a symbolic link (or lies below one) to ${dir.secret} on main, and the restricted pull key's pullback-gate refused it; nothing was pulled`,
      );
      expect(existsSync(join(cfg.mirrorPath('main', 'blobs'), 'key.txt'))).toBe(false);
      const status = await cli('status', '--host', 'main');
      expect(status.exitCode).toBe(1);
      expect(status.stdout).toMatch(/^main\s+blobs\s+RED/m);
      // A restore through the restore key: readiness FAILs on the gate's refusal, naming where the link leads, and lists nothing of it.
      const dry = await cli('restore', '--host', 'main', '--dry-run');
      expect(dry.exitCode, dry.stdout + dry.stderr).toBe(1);
      expect(dry.stdout).toContain(
        `FAIL  main:${dir.blobs} a real directory, no symlink on its way (blobs): ${dir.blobs} is a symlink or lies below one (it leads to ${dir.secret} now), and the restricted restore key's pullback-gate refused it: pullback does not restore through a symlink`,
      );
      expect(dry.stdout).not.toContain('key.txt');
      expect(readFileSync(join(dir.secret, 'key.txt'), 'utf8')).toBe('top secret\n');
      expect(readdirSync(dir.secret)).toEqual(['key.txt']);
    } finally {
      for (const d of [dir.blobs, dir.maria]) {
        unlinkSync(d);
        renameSync(`${d}.real`, d);
      }
    }
  }, 600_000);
});
