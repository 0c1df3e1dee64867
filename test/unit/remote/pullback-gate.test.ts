// share/remote/pullback-gate, the forced command of the restricted keys, run as sshd runs it
// (SSH_ORIGINAL_COMMAND in the environment, the policy in its arguments) against real files: what
// each role accepts it executes without a shell; everything else exits 126 naming why.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from '../../harness/index.js';
import { shellCommand, shellCommandReportingPid } from '../../../src/tools/ssh/quote.js';

const GATE = join(REPO_ROOT, 'share', 'remote', 'pullback-gate');

let root: string;
let src: string;
let dumps: string;

function gate(policy: string[], command: string | undefined, input = '') {
  const env: Record<string, string | undefined> = { ...process.env, SSH_ORIGINAL_COMMAND: command };
  if (command === undefined) delete env.SSH_ORIGINAL_COMMAND;
  return execa(GATE, policy, { env, extendEnv: false, reject: false, input });
}

async function refused(policy: string[], argv: string[] | string, input = '') {
  const r = await gate(policy, typeof argv === 'string' ? argv : shellCommand(argv), input);
  expect(r.exitCode, `${String(argv)}: ${r.stdout}${r.stderr}`).toBe(126);
  expect(r.stderr).toMatch(/^pullback-gate: refused: /);
  return r.stderr;
}

async function accepted(policy: string[], argv: string[]) {
  const r = await gate(policy, shellCommand(argv));
  expect(r.stderr).not.toContain('pullback-gate');
  return r;
}

beforeAll(() => {
  root = makeTempDir('gate');
  src = join(root, "src it's");
  dumps = join(root, 'dumps');
  mkdirSync(src);
  mkdirSync(dumps);
  mkdirSync(join(root, 'secret'));
  writeFileSync(join(src, 'a.txt'), 'a\n');
  writeFileSync(join(root, 'secret', 'k'), 'k\n');
  symlinkSync(join(root, 'secret'), join(src, 'out'));
  symlinkSync(join(root, 'secret', 'k'), join(dumps, 'link'));
});

describe('pullback-gate pull', () => {
  const pull = () => ['pull', '--root', src];

  it('refuses logins without a command, any other program, and shell syntax', async () => {
    const r = await gate(pull(), undefined);
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain('interactive logins are not allowed');
    await refused(pull(), ['id']);
    await refused(pull(), 'id; id');
    await refused(pull(), "stat -c '%s %Y %f' -- 'unterminated");
    await refused(pull(), ['cat', join(src, 'a.txt')]);
    await refused(pull(), ['rm', '-f', '--', join(src, 'a.txt')]);
    expect(existsSync(join(src, 'a.txt'))).toBe(true);
  });

  it('answers the read-only questions of drills below a root, with the PID prefix pullback sends', async () => {
    const r = await gate(pull(), shellCommandReportingPid(['stat', '--printf', '%s %Y %f %n\\0', '--', join(src, 'a.txt')]));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^pullback-pid \d+$/);
    expect(r.stdout).toContain(`${join(src, 'a.txt')}\0`);
    expect((await accepted(pull(), ['sha256sum', '--', join(src, 'a.txt')])).exitCode).toBe(0);
    // stat does not follow the link; sha256sum would, so the link's target must be inside.
    expect((await accepted(pull(), ['stat', '-c', '%s %Y %f', '--', join(src, 'out')])).exitCode).toBe(0);
    expect(await refused(pull(), ['sha256sum', '--', join(src, 'out', 'k')])).toContain('outside the allowed paths');
    expect(await refused(pull(), ['stat', '-c', '%s %Y %f', '--', `${src}/../secret/k`])).toContain('".."');
    await refused(pull(), ['stat', '-c', '%s %Y %f', '--', '/etc/passwd']);
    await refused(pull(), ['df', '-Pk', '--', src]);
  });

  it('refuses rsync that writes, follows links, deletes on the sender or reads outside', async () => {
    const flags = '-logDtpre.iLsfxCIvu';
    await refused(pull(), ['rsync', '--server', flags, '.', `${src}/`]);
    await refused(pull(), ['rsync', '--server', '--sender', '-Lre.iLsfxCIvu', '.', `${src}/`]);
    await refused(pull(), ['rsync', '--server', '--sender', flags, '--remove-source-files', '.', `${src}/`]);
    await refused(pull(), ['rsync', '--server', '--sender', flags, '--files-from=/etc/passwd', '.', `${src}/`]);
    await refused(pull(), ['rsync', '--server', '--sender', flags, '.', `${root}/secret/`]);
    await refused(pull(), ['rsync', '--server', '--sender', flags, '.', `${src}/out/`]);
    await refused(pull(), ['rsync', '--server', '--sender', flags, '.', `${src}/*`]);
    await refused(pull(), ['/tmp/rsync', '--server', '--sender', flags, '.', `${src}/`]);
    // Secluded arguments (rsync -s) come on stdin: checked the same way.
    const secluded = (path: string) => ['rsync', '--timeout=30', '.', path].join('\0') + '\0\0';
    await refused(pull(), ['rsync', '--server', '--sender', '-slogDtpre.iLsfxCIvu'], secluded('/etc/'));
    await refused(pull(), ['rsync', '--server', '--sender', '-slogDtpre.iLsfxCIvu'], ['rsync', '--log-file=/tmp/x', '.', `${src}/`].join('\0') + '\0\0');
  });

  it('kills only process groups that lead a session of this user', async () => {
    // -1 is every process the user may signal, not process group 1: never run, whoever PID 1 is.
    expect(await refused(pull(), ['kill', '-s', 'KILL', '--', '-1'])).toContain('every process');
    await refused(pull(), ['kill', '-s', 'KILL', '--', String(process.pid)]);
    expect(await refused(pull(), ['kill', '-s', 'KILL', '--', `-${process.pid}`])).toContain('does not lead a session');
    // A session leader of this user that sshd did not start (a daemon) is not the gate's to kill.
    const daemon = spawn('setsid', ['sleep', '60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(await refused(pull(), ['kill', '-s', 'KILL', '--', `-${daemon.pid}`])).toContain('does not lead an SSH session');
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});

describe('pullback-gate dump', () => {
  const dump = () => ['dump', '--dir', dumps, '--command', JSON.stringify(['echo', '--file=@@OUT@@', '--dbname=@@DB@@']), '--command', JSON.stringify(['echo', 'version'])];

  it('runs the configured argv with the output file directly in a dump dir', async () => {
    const r = await accepted(dump(), ['echo', `--file=${dumps}/.app-1.pgdump.partial`, '--dbname=app_db-2.x$1']);
    expect(r.stdout).toBe(`--file=${dumps}/.app-1.pgdump.partial --dbname=app_db-2.x$1`);
    expect((await accepted(dump(), ['echo', 'version'])).stdout).toBe('version');
    await refused(dump(), ['echo', 'version', 'extra']);
    await refused(dump(), ['echo', `--file=${dumps}/../x`, '--dbname=app']);
    await refused(dump(), ['echo', `--file=${dumps}/sub/x`, '--dbname=app']);
    await refused(dump(), ['echo', '--file=/tmp/x', '--dbname=app']);
    await refused(dump(), ['echo', `--file=${dumps}/x`, '--dbname=-x']);
    // Only a plain name: a libpq connection string or URI would take pg_dump anywhere.
    for (const db of ['host=evil.example dbname=secrets', 'postgresql://evil.example/secrets', 'app db', 'app\n', '.app', 'x'.repeat(65), 'ａpp']) {
      expect(await refused(dump(), ['echo', `--file=${dumps}/x`, `--dbname=${db}`])).toContain('is not a plain name');
    }
  });

  it('allows the file operations of a dump and its rotation only directly in the dump dir', async () => {
    const file = join(dumps, 'old.pgdump');
    writeFileSync(file, 'x');
    expect((await accepted(dump(), ['find', dumps, '-mindepth', '1', '-maxdepth', '1', '-type', 'f', '-printf', '%f\\0'])).stdout).toContain('old.pgdump\0');
    expect((await accepted(dump(), ['mkdir', '-p', '--', dumps])).exitCode).toBe(0);
    await refused(dump(), ['mkdir', '-p', '--', join(root, 'elsewhere')]);
    await refused(dump(), ['mv', '-f', '--', file, join(root, 'stolen')]);
    await refused(dump(), ['tee', '--', join(src, 'x')]);
    await refused(dump(), ['sha256sum', '--', join(dumps, 'link')]);
    await refused(dump(), ['rm', '-f', '--', join(src, 'a.txt')]);
    await refused(dump(), ['rm', '-rf', '--', dumps]);
    expect((await accepted(dump(), ['rm', '-f', '--', file])).exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(src, 'a.txt'))).toBe(true);
  });
});

describe('pullback-gate restore', () => {
  const restore = () => ['restore', '--root', src, '--command', JSON.stringify(['echo', 'stop writes']), '--client', 'echo', '--file', join(root, 'pgpass')];

  it('runs the configured hooks exactly, creates directories only below a root, cleans only its temp dirs', async () => {
    expect((await accepted(restore(), ['echo', 'stop writes'])).stdout).toBe('stop writes');
    expect((await accepted(restore(), ['mkdir', '-p', '--', join(src, 'new dir')])).exitCode).toBe(0);
    await refused(restore(), ['mkdir', '-p', '--', join(root, 'secret', 'x')]);
    await refused(restore(), ['rm', '-rf', '--', join(root, 'secret')]);
    await refused(restore(), ['rm', '-rf', '--', '/var/tmp/pullback-restore.NOTTHERE']);
    // Only a temp dir named as the restore's `mktemp -d` names it (8 random characters).
    const six = mkdtempSync('/var/tmp/pullback-restore.');
    await refused(restore(), ['rm', '-rf', '--', six]);
    rmSync(six, { recursive: true });
    const eight = `/var/tmp/pullback-restore.${randomBytes(4).toString('hex')}`;
    mkdirSync(eight);
    expect((await accepted(restore(), ['rm', '-rf', '--', eight])).exitCode).toBe(0);
    expect(existsSync(eight)).toBe(false);
    await refused(restore(), ['id']);
    expect(existsSync(join(root, 'secret', 'k'))).toBe(true);
  });

  it('database clients: only the options pullback sends, paths below a root or a configured file, PGPASSFILE only the configured one', async () => {
    const psql = ['psql', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-w', '-X', '-q', '-A', '-t', '--dbname=postgres'];
    const policy = () => ['restore', '--root', src, '--client', 'psql', '--client', 'pg_dump', '--client', 'mariadb', '--file', join(root, 'pgpass')];
    expect((await accepted(policy(), [...psql, '-c', 'SELECT 6 * 7'])).stdout).toBe('42');
    expect((await accepted(policy(), ['env', `PGPASSFILE=${join(root, 'pgpass')}`, ...psql, '-c', 'SELECT 1'])).stdout).toBe('1');
    await refused(policy(), [...psql, '-c', '\\! id']);
    await refused(policy(), [...psql, '--command=\\! id']);
    await refused(policy(), [...psql, '-o', '|id', '-c', 'SELECT 1']);
    await refused(policy(), ['pg_dump', '-h', '127.0.0.1', `--file=${join(root, 'secret', 'k')}`, '--dbname=postgres']);
    await refused(policy(), ['pg_dump', '-h', '127.0.0.1', '--file=.ssh/authorized_keys', '--dbname=postgres']);
    await refused(policy(), ['pg_dump', '-h', '127.0.0.1', `-f${join(root, 'secret', 'k')}`, '--dbname=postgres']);
    await refused(policy(), ['mariadb', `--plugin-dir=${src}`, '--default-auth=evil', '-e', 'SELECT 1']);
    await refused(policy(), ['env', 'PGPASSFILE=/etc/shadow', ...psql, '-c', 'SELECT 1']);
    await refused(policy(), ['env', 'LD_PRELOAD=/tmp/x.so', ...psql, '-c', 'SELECT 1']);
    await refused(policy(), ['rsync', '--server', '-logDtpre.iLsfxCIvu', '.', `${root}/secret/`]);
  });

  it('refuses a misconfigured line', async () => {
    await refused(['shell'], ['id']);
    await refused(['pull', '--rooot', src], ['id']);
  });
});
