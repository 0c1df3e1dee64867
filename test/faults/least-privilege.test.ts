// Least privilege on the main servers, for real: the harness sshd's authorized_keys holds exactly
// the lines `pullback hosts authorize` prints (pull, dump and restore keys, each restricted to
// pullback-gate). A nightly run with a postgres dump and a restore work with them; the same keys
// used by hand cannot write, delete, run commands or read outside the source paths.
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPgDatabase,
  generateKey,
  makeTempDir,
  psql,
  REPO_ROOT,
  runCli,
  sshDestination,
  sshOptions,
  startSshd,
  writeTestConfig,
  type SshdServer,
  type TestConfig,
} from '../harness/index.js';

const GATE = join(REPO_ROOT, 'share', 'remote', 'pullback-gate');

let server: SshdServer;
let cfg: TestConfig;
let root: string;
let src: { dumps: string; blobs: string; data: string };
let secret: string;
let db: string;
const keys = { pull: '', dump: '', restore: '' };
let printed: string;

const cli = (...args: string[]) => runCli(['--config', cfg.configPath, ...args]);
const dest = () => `${sshDestination(server)}:`;

/** ssh with `key` running `command` (a string, as an attacker on the backup host would type it). */
function ssh(key: string, command?: string) {
  return execa('ssh', [...sshOptions(server, key, cfg.knownHostsPath), sshDestination(server), ...(command === undefined ? [] : [command])], { reject: false, input: '' });
}

function rsync(key: string, args: string[]) {
  return execa('rsync', ['-e', ['ssh', ...sshOptions(server, key, cfg.knownHostsPath)].join(' '), ...args], { reject: false });
}

beforeAll(async () => {
  server = await startSshd();
  root = makeTempDir('lp-main');
  src = { dumps: join(root, 'dumps'), blobs: join(root, 'blobs'), data: join(root, 'data dir') };
  secret = join(root, 'secret');
  for (const d of [...Object.values(src), secret]) mkdirSync(d, { recursive: true });
  writeFileSync(join(src.blobs, 'a.bin'), 'blob a\n');
  writeFileSync(join(src.data, "it's a file.txt"), 'data\n');
  writeFileSync(join(secret, 'key.txt'), 'top secret\n');
  // A symlink inside a source pointing outside it: pulled as a link, never followed.
  symlinkSync(secret, join(src.data, 'link'));
  db = await createPgDatabase('pblp');
  await psql(db, 'CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 50);');

  const keyDir = makeTempDir('lp-keys');
  for (const role of ['pull', 'dump', 'restore'] as const) {
    keys[role] = join(keyDir, `main-${role}`);
    await generateKey(keys[role], `pullback-${role}`);
  }
  cfg = await writeTestConfig({
    global: { checks: { repository: 'never', archives: 'never', data: 'never', drill: 'never' } },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'db', kind: 'database', path: src.dumps, dump: { engine: 'postgres', databases: [db], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 1 } },
          { name: 'blobs', kind: 'blobs', path: src.blobs },
          { name: 'data', kind: 'data', path: src.data },
        ],
        override: { keys, restore: { stop_writes: [['true', 'stop writes']], start_writes: [['true', 'start writes']] } },
      },
    ],
  });
  const nightly = await cli('hosts', 'authorize', 'main', '--gate', GATE);
  expect(nightly.exitCode, nightly.stderr).toBe(0);
  const incident = await cli('hosts', 'authorize', 'main', '--gate', GATE, '--restore');
  expect(incident.exitCode, incident.stderr).toBe(0);
  printed = `${nightly.stdout}\n${incident.stdout}`;
  // Exactly the printed lines and nothing else: the harness's own unrestricted key is gone.
  const lines = printed.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  expect(lines).toHaveLength(3);
  writeFileSync(join(server.dir, 'authorized_keys'), `${lines.join('\n')}\n`, { mode: 0o600 });
});

describe('restricted keys from pullback hosts authorize', () => {
  it('prints one restricted line per role, with the policy in its forced command', () => {
    expect(printed).toContain(`install -D -m 755 -o root -g root pullback-gate ${GATE}`);
    for (const role of ['pull', 'dump', 'restore']) {
      const line = printed.split('\n').find((l) => l.includes(`pullback-${role}`))!;
      expect(line).toMatch(new RegExp(`^restrict,command="exec ${GATE} ${role} `));
    }
    // The space in a source path is quoted for the shell; JSON's double quotes are escaped for sshd.
    expect(printed).toContain(`--root '${src.data}'`);
    expect(printed).toMatch(/--command '\[\\"psql\\",/);
  });

  it('a nightly run with a postgres dump, blobs and data succeeds with them', async () => {
    const r = await cli('run');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/main\s+OK/);
    expect(readFileSync(join(cfg.mirrorPath('main', 'blobs'), 'a.bin'), 'utf8')).toBe('blob a\n');
    expect(readFileSync(join(cfg.mirrorPath('main', 'data'), "it's a file.txt"), 'utf8')).toBe('data\n');
    expect(lstatSync(join(cfg.mirrorPath('main', 'data'), 'link')).isSymbolicLink()).toBe(true);
  }, 300_000);

  it('a restore onto the server works with the restore key', async () => {
    writeFileSync(join(src.blobs, 'a.bin'), 'damaged\n');
    writeFileSync(join(src.blobs, 'junk'), 'not in the backup\n');
    await psql(db, 'DELETE FROM t WHERE id > 10');
    const r = await cli('restore', '--host', 'main', '--yes');
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(readFileSync(join(src.blobs, 'a.bin'), 'utf8')).toBe('blob a\n');
    expect(existsSync(join(src.blobs, 'junk'))).toBe(false);
    expect((await psql(db, 'SELECT count(*) FROM t')).trim()).toBe('50');
  }, 300_000); // ~15 s on an idle machine, over a minute at load 16

  it('the pull key cannot write, delete, run commands or read outside the source paths', async () => {
    const local = makeTempDir('lp-attacker');
    writeFileSync(join(local, 'planted'), 'x\n');
    const refused = async (p: Promise<{ exitCode?: number; stderr: string }>) => {
      const r = await p;
      expect(r.exitCode, r.stderr).not.toBe(0);
      expect(r.stderr).toContain('pullback-gate: refused');
    };
    const out = makeTempDir('lp-stolen');
    // Independent connections, so in parallel.
    await Promise.all([
      refused(ssh(keys.pull, 'id')),
      refused(ssh(keys.pull)),
      refused(ssh(keys.pull, `rm -rf -- ${src.blobs}`)),
      refused(ssh(keys.pull, `cat /etc/passwd`)),
      refused(ssh(keys.pull, `sha256sum -- '${join(src.data, 'link', 'key.txt')}'`)),
      refused(ssh(keys.pull, `rsync --server --sender -re.iLsfxCIvu --remove-source-files . ${src.blobs}/`)),
      // Writes: a push, and a push with --delete from an empty folder.
      refused(rsync(keys.pull, ['-a', `${local}/`, `${dest()}${src.blobs}/`])),
      refused(rsync(keys.pull, ['-a', '--delete', `${makeTempDir('lp-empty')}/`, `${dest()}${src.blobs}/`])),
      // Reads outside: a sibling, /etc/passwd, `..`, a symlink in the path (arguments secluded or not), links followed.
      ...[`${secret}/`, '/etc/passwd', `${src.blobs}/../secret/`, `${src.data}/link/`].flatMap((path) => [
        refused(rsync(keys.pull, ['-a', '-s', `${dest()}${path}`, `${out}/`])),
        refused(rsync(keys.pull, ['-a', '--old-args', `${dest()}${path}`, `${out}/`])),
      ]),
      refused(rsync(keys.pull, ['-a', '-L', `${dest()}${src.data}/`, `${out}/`])),
    ]);
    expect(readFileSync(join(src.blobs, 'a.bin'), 'utf8')).toBe('blob a\n');
    expect(existsSync(join(src.blobs, 'planted'))).toBe(false);
    expect(existsSync(join(out, 'key.txt'))).toBe(false);
    expect(existsSync(join(out, 'passwd'))).toBe(false);
    // And what it is for still works by hand.
    const ok = await rsync(keys.pull, ['-a', '-s', `${dest()}${src.blobs}/`, `${out}/`]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readFileSync(join(out, 'a.bin'), 'utf8')).toBe('blob a\n');
  });

  it('the dump key runs only the dump protocol, and the restore key only restore work', async () => {
    const dump = ['id', `rm -f -- ${src.blobs}/a.bin`, `mv -f -- ${src.dumps}/x /tmp/x`, `tee -- ${src.blobs}/x`, 'psql -c "select 1"', `find / -maxdepth 1`, `sha256sum -- /etc/shadow`];
    const restore = ['id', `mkdir -p -- ${secret}/x`, `rm -rf -- ${src.blobs}`, `rsync --server -logDtpre.iLsfxCIvu . ${secret}/`];
    const tried = [...dump.map((c) => [keys.dump, c] as const), ...restore.map((c) => [keys.restore, c] as const)];
    const results = await Promise.all(tried.map(([key, command]) => ssh(key, command)));
    results.forEach((r, i) => {
      expect(r.exitCode, `${tried[i]![1]}: ${r.stderr}`).toBe(126);
      expect(r.stderr).toContain('pullback-gate: refused');
    });
    expect(existsSync(join(src.blobs, 'a.bin'))).toBe(true);
    expect(existsSync(join(secret, 'x'))).toBe(false);
  });
});
