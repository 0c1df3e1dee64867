// A compromised main server, for real: its source directories (local dirs served by the harness
// sshd) hold symlinks pointing outside (absolute and ../..), device nodes, a FIFO, setuid and
// setgid binaries, names with terminal escapes and newlines, paths built to inject commands, and
// dump metadata that lies. Pull, archive, list, drill and restore (--into and onto the host) run
// as root, and none of it writes outside the mirror or the restore target, executes anything on
// the backup host, or is reported OK; terminal output shows the names escaped.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT, runCli, startSshd, writeTestConfig, type SshdServer, type TestConfig } from '../harness/index.js';

const tag = randomBytes(4).toString('hex');
/** Files an injected command would create, on "either machine" (both are this one here). */
const MARKERS = ['dollar', 'tick', 'semi'].map((m) => `/tmp/pullback-injected-${m}-${tag}`);
/** Created relative to whatever directory a shell ran in, if a file name were ever executed. */
const NAME_MARKER = `pullback-injected-name-${tag}`;
const ESC_NAME = 'title\u001b]0;owned\u0007\u001b[2Jcls';
const NEWLINE_NAME = 'evil\nOK all good';

const SQL_DUMP = '--\n-- PostgreSQL database dump\n--\n\ncreate table t(x int);\n\n--\n-- PostgreSQL database dump complete\n--\n';
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const meta = (o: Record<string, unknown>) => JSON.stringify({ kind: 'pullback-dump-meta', version: 1, file: 'app-20260101T000000Z.sql', engine: 'postgres', database: 'app', format: 'sql', size: SQL_DUMP.length, sha256: sha(SQL_DUMP), ...o });

let server: SshdServer;
let cfg: TestConfig;
let data: string;
let outside: string;
let sentinel: string;
let shadowBefore: string;
let run: { exitCode: number; stdout: string; stderr: string };

/** The hostile data source: everything a compromised server can put in a directory. */
function fillData(dir: string): void {
  mkdirSync(join(dir, 'nested'), { recursive: true });
  writeFileSync(join(dir, 'nested', 'plain.txt'), 'plain\n');
  symlinkSync('/etc/shadow', join(dir, 'shadow-link'));
  symlinkSync('../../../../../../../../etc/passwd', join(dir, 'passwd-link'));
  symlinkSync(outside, join(dir, 'outside-dir'));
  writeFileSync(join(dir, ESC_NAME), 'escape\n');
  writeFileSync(join(dir, NEWLINE_NAME), 'newline\n');
  writeFileSync(join(dir, `$(touch ${NAME_MARKER}) \`touch ${NAME_MARKER}\`;touch ${NAME_MARKER}`), 'name\n');
  execaSyncOk('mknod', [join(dir, 'disk'), 'b', '8', '0']);
  execaSyncOk('mknod', [join(dir, 'mem'), 'c', '1', '1']);
  chmodSync(join(dir, 'disk'), 0o666);
  chmodSync(join(dir, 'mem'), 0o666);
  execaSyncOk('mkfifo', [join(dir, 'fifo')]);
  copyFileSync('/bin/sh', join(dir, 'suid-sh'));
  chmodSync(join(dir, 'suid-sh'), 0o4755);
  copyFileSync('/bin/sh', join(dir, 'sgid-sh'));
  chmodSync(join(dir, 'sgid-sh'), 0o2755);
}

function execaSyncOk(file: string, args: string[]): void {
  const r = spawnSync(file, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed`);
}

/** A database source the server fills itself, with one dump and its (lying) metadata. */
function lyingSource(root: string, name: string, metaText: string, opts: { mtimeDaysAgo?: number } = {}): { name: string; kind: 'database'; path: string; max_age: string } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const dump = join(dir, 'app-20260101T000000Z.sql');
  writeFileSync(dump, SQL_DUMP);
  writeFileSync(`${dump}.meta.json`, metaText);
  if (opts.mtimeDaysAgo) {
    const t = new Date(Date.now() - opts.mtimeDaysAgo * 86_400_000);
    utimesSync(dump, t, t);
  }
  return { name, kind: 'database', path: dir, max_age: '1d' };
}

const noRawControls = (text: string) => {
  expect(text).not.toContain('\u001b');
  expect(text).not.toContain('\u0007');
  expect(text).not.toContain('\r');
  expect(text).not.toMatch(/^OK all good/m);
};

beforeAll(async () => {
  server = await startSshd();
  const root = makeTempDir('hostile-server-');
  outside = makeTempDir('hostile-outside-');
  sentinel = join(outside, 'sentinel');
  writeFileSync(sentinel, 'outside the mirror\n');
  shadowBefore = sha(readFileSync('/etc/shadow'));
  // A source path built to run commands if it ever reached a shell unquoted, on either side.
  data = join(root, `data $(touch ${MARKERS[0]}) \`touch ${MARKERS[1]}\`; touch ${MARKERS[2]}`);
  mkdirSync(data, { recursive: true });
  fillData(data);
  const liars = join(root, 'liars');
  cfg = await writeTestConfig({
    hosts: [
      { name: 'hostile', server, sources: [{ name: 'data', kind: 'data', path: data }] },
      {
        name: 'liar',
        server,
        sources: [
          // Claims to be a file outside the source, with that file's hash and size.
          lyingSource(liars, 'points-outside', meta({ file: '../../../../etc/passwd', sha256: sha(readFileSync(sentinel)), size: readFileSync(sentinel).length })),
          // Wrong types and absurd values.
          lyingSource(liars, 'wrong-types', meta({ size: 1e300, rowCounts: { t: 'many' } })),
          // An old dump that "ended" in the future, to look fresh forever.
          lyingSource(liars, 'from-the-future', meta({ endedAt: '2099-01-01T00:00:00Z' }), { mtimeDaysAgo: 10 }),
          // The right hash of a postgres dump, claimed to be a mariadb one.
          lyingSource(liars, 'wrong-engine', meta({ engine: 'mariadb' })),
        ],
      },
    ],
  });
  // A file the verifier names in a warning: its name reaches the summary and the log lines.
  writeFileSync(join(liars, 'wrong-engine', `README${ESC_NAME}`), 'not a dump\n');
  run = await runCli(['--config', cfg.configPath, 'run']);
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe('a compromised main server', () => {
  it('injects no command through a source path or a file name, on either side', () => {
    expect(run.stdout + run.stderr).toContain('hostile');
    for (const m of MARKERS) expect(existsSync(m), m).toBe(false);
    for (const d of [process.cwd(), REPO_ROOT, homedir(), '/', '/tmp', data, cfg.mirrorPath('hostile', 'data')]) expect(existsSync(join(d, NAME_MARKER)), d).toBe(false);
    // The path was pulled exactly, not refused: the hostile host was archived.
    expect(run.stdout).toMatch(/hostile\s+WARNING/);
  });

  it('keeps symlinks as links, never follows them, and writes nothing outside the mirror', () => {
    const mirror = cfg.mirrorPath('hostile', 'data');
    expect(readlinkSync(join(mirror, 'shadow-link'))).toBe('/etc/shadow');
    expect(readlinkSync(join(mirror, 'passwd-link'))).toBe('../../../../../../../../etc/passwd');
    expect(readlinkSync(join(mirror, 'outside-dir'))).toBe(outside);
    expect(readdirSync(outside)).toEqual(['sentinel']);
    expect(sha(readFileSync('/etc/shadow'))).toBe(shadowBefore);
    expect(readFileSync(join(mirror, ESC_NAME), 'utf8')).toBe('escape\n');
    expect(readFileSync(join(mirror, NEWLINE_NAME), 'utf8')).toBe('newline\n');
  });

  it('recreates no device node, says so, and keeps the FIFO inert', () => {
    const mirror = cfg.mirrorPath('hostile', 'data');
    expect(existsSync(join(mirror, 'disk'))).toBe(false);
    expect(existsSync(join(mirror, 'mem'))).toBe(false);
    expect(lstatSync(join(mirror, 'fifo')).isFIFO()).toBe(true);
    expect(run.stdout + run.stderr).toMatch(/2 device file\(s\) in .* were not copied/);
  });

  it('keeps setuid bits only where no other local user can reach them (state, mirror and host dirs 0700)', async () => {
    const mirror = cfg.mirrorPath('hostile', 'data');
    expect(lstatSync(join(mirror, 'suid-sh')).mode & 0o7777).toBe(0o4755);
    for (const d of [cfg.stateDir, join(cfg.stateDir, 'mirror'), join(cfg.stateDir, 'mirror', 'hostile')]) expect(lstatSync(d).mode & 0o777, d).toBe(0o700);
    const asNobody = await execa('runuser', ['-u', 'nobody', '--', join(mirror, 'suid-sh'), '-c', 'id -u'], { reject: false });
    expect(asNobody.exitCode).not.toBe(0);
    expect(asNobody.stderr).toMatch(/Permission denied/);
  });

  it('a lying .meta.json fails its source, naming why; nothing outside is read as the dump', () => {
    const text = run.stdout + run.stderr;
    expect(run.exitCode).toBe(1);
    expect(text).toMatch(/liar\s+FAILED/);
    expect(text).toMatch(/points-outside.*SHA-256 of the pulled file|SHA-256 of the pulled file[^\n]*points-outside|dump [^\n]*points-outside[^\n]*SHA-256/s);
    expect(text).toMatch(/"size" is not a byte count/);
    // The future end time is not believed: the dump's own (old) time is judged, and it is stale.
    expect(text).toMatch(/from-the-future\/app-20260101T000000Z\.sql is stale: the newest dump is 10d old \(modified /);
    expect(text).toMatch(/wrong-engine[^\n]*(incomplete|does not end|trailer|Dump completed)/);
    expect(readFileSync(sentinel, 'utf8')).toBe('outside the mirror\n');
  });

  it('shows names with escapes escaped in the run summary and the log lines', () => {
    expect(run.stdout + run.stderr).toContain('READMEtitle\\e]0;owned\\x07\\e[2Jcls');
    noRawControls(run.stdout);
    noRawControls(run.stderr);
  });

  it('pullback list prints no raw control characters', async () => {
    const list = await runCli(['--config', cfg.configPath, 'list', '--host', 'hostile']);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/hostile-\d{8}T\d{6}Z/);
    noRawControls(list.stdout + list.stderr);
  });

  it('restore --into writes only inside its folder (0700): links as links, no devices, setuid only there', async () => {
    const into = join(makeTempDir('hostile-into-'), 'out');
    const r = await runCli(['--config', cfg.configPath, 'restore', '--host', 'hostile', '--into', into, '--yes']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    noRawControls(r.stdout + r.stderr);
    expect(lstatSync(into).mode & 0o777).toBe(0o700);
    expect(readlinkSync(join(into, 'data', 'shadow-link'))).toBe('/etc/shadow');
    expect(readlinkSync(join(into, 'data', 'outside-dir'))).toBe(outside);
    expect(readFileSync(join(into, 'data', ESC_NAME), 'utf8')).toBe('escape\n');
    expect(existsSync(join(into, 'data', 'disk'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['sentinel']);
    expect(sha(readFileSync('/etc/shadow'))).toBe(shadowBefore);
    // A target folder that is a symlink (to somewhere else) is refused, not followed.
    const link = join(makeTempDir('hostile-into-link-'), 'link');
    symlinkSync(makeTempDir('hostile-into-elsewhere-'), link);
    const refused = await runCli(['--config', cfg.configPath, 'restore', '--host', 'hostile', '--into', link, '--yes']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/exists and is not a folder/);
  });

  it('a restore onto the server replaces a symlink planted in the target instead of writing through it', async () => {
    // The server, between backup and restore, swaps a directory of the archive for a link outside.
    execaSyncOk('rm', ['-rf', join(data, 'nested')]);
    symlinkSync(outside, join(data, 'nested'));
    const r = await runCli(['--config', cfg.configPath, 'restore', '--host', 'hostile', '--yes', '--force']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    noRawControls(r.stdout + r.stderr);
    expect(lstatSync(join(data, 'nested')).isDirectory()).toBe(true);
    expect(readFileSync(join(data, 'nested', 'plain.txt'), 'utf8')).toBe('plain\n');
    expect(readdirSync(outside)).toEqual(['sentinel']);
    for (const m of MARKERS) expect(existsSync(m), m).toBe(false);
  });
});
