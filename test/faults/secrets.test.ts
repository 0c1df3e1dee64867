// Secrets never reach argv, logs, the catalog, reports or notifications. The whole cycle — run
// (a MariaDB dump as a user with a password, pull, archive, check), drill, restore (with an HTTP
// check whose URL carries credentials), report, and notifications that fail (a webhook URL with
// credentials, SMTP with a password) — runs under strace, which records the argv and environment
// of every program pullback starts, here and on the server side (the test's sshd is traced too), however
// short it lives; then every output, every file under the state dir (logs, catalog, restore records),
// every text column of the catalog, the reports, the metrics file and every exec's argv and environment
// are searched for each secret, raw, URL-encoded and as the Basic authorization value.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  freePort, makeTempDir, MARIA, mariadb, registerCleanup, runCli, startListener, startSshd, tableFingerprints, traceExecs, writeTestConfig, type Listener, type SshdServer, type TestConfig, type TracedExec,
} from '../harness/index.js';
import { makeMariaSource } from '../e2e/dump/fixtures.js';

const hex = randomBytes(6).toString('hex');
const secrets = {
  dbPassword: `Db-S3cret-${hex}`,
  checkPassword: `Ck S3cret@${hex}`,
  hookPassword: `Hk+S3cret/${hex}`,
  smtpPassword: `Sm-S3cret-${hex}`,
  borgPassphrase: '', // written by writeTestConfig
};
const dbUser = `pbsecret_${hex}`;

let cfg: TestConfig;
let server: SshdServer;
let check: Listener;
let database: string;
let metricsFile: string;
let htmlReport: string;
/** Everything pullback printed, per command. */
const outputs: Array<{ what: string; text: string }> = [];
/** Every exec while a command ran, pullback's and the server side's, with its environment. */
const execs: TracedExec[] = [];

async function cli(what: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const traced = await traceExecs((prefix) => runCli(['--config', cfg.configPath, ...args], { timeoutMs: 150_000, prefix }), [server.pid!]);
  execs.push(...traced.execs);
  const result = traced.result;
  outputs.push({ what: `${what} stdout`, text: result.stdout }, { what: `${what} stderr`, text: result.stderr });
  return result;
}

/** Each form a secret could take on its way out: as written, URL-encoded, inside a Basic authorization. */
function forms(): Array<{ name: string; value: string }> {
  const out = Object.entries(secrets).flatMap(([name, v]) => [
    { name, value: v },
    { name: `${name} (URL-encoded)`, value: encodeURIComponent(v) },
  ]);
  out.push({ name: 'check credentials (Basic)', value: Buffer.from(`checker:${secrets.checkPassword}`).toString('base64') });
  out.push({ name: 'hook credentials (Basic)', value: Buffer.from(`hooker:${secrets.hookPassword}`).toString('base64') });
  return out.filter((f, i, all) => all.findIndex((g) => g.value === f.value) === i);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

beforeAll(async () => {
  server = await startSshd();
  database = await makeMariaSource(50);
  // A real MariaDB user with a password, for the dump, the drill and the restore.
  const users = [`'${dbUser}'@'127.0.0.1'`, `'${dbUser}'@'localhost'`];
  await mariadb(undefined, users.map((u) => `CREATE USER ${u} IDENTIFIED BY '${secrets.dbPassword}'; GRANT ALL PRIVILEGES ON *.* TO ${u};`).join('\n'));
  registerCleanup(() => mariadb(undefined, `DROP USER IF EXISTS ${users.join(', ')};`).then(() => undefined));

  const root = makeTempDir('secrets-');
  const dbPasswordFile = join(root, 'db-password.cnf');
  writeFileSync(dbPasswordFile, `[client]\npassword=${secrets.dbPassword}\n`, { mode: 0o600 });
  const smtpPasswordFile = join(root, 'smtp-password');
  writeFileSync(smtpPasswordFile, `${secrets.smtpPassword}\n`, { mode: 0o600 });
  const dumps = join(root, 'dumps');
  mkdirSync(dumps);

  check = await startListener();
  const closed = await freePort('127.0.0.1');
  const fast = { timeout: '1s', attempts: 1 };
  const everything = ['start', 'finish', 'success', 'warning', 'failure', 'partial', 'check', 'drill', 'restore', 'stale'];
  const connection = { host: MARIA.host, port: MARIA.port, user: dbUser, password_file: dbPasswordFile };
  metricsFile = join(root, 'pullback.prom');
  htmlReport = join(root, 'report.html');
  cfg = await writeTestConfig({
    global: {
      metrics: { file: metricsFile },
      drill: { database: { mariadb: { host: MARIA.host, port: MARIA.port, user: dbUser, password_file: dbPasswordFile } } },
      notify: [
        { webhook: `http://hooker:${encodeURIComponent(secrets.hookPassword)}@127.0.0.1:${closed}/hook`, on: everything, ...fast },
        { email: { to: ['ops@example.org'], from: 'backup@example.org', smtp: { host: '127.0.0.1', port: closed, user: 'mailer', password_file: smtpPasswordFile } }, on: everything, ...fast },
      ],
    },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'db', kind: 'database', path: dumps, dump: { engine: 'mariadb', databases: [database], connection } },
        ],
        override: {
          restore: {
            checks: [
              { name: 'app answers', http: { url: `http://checker:${encodeURIComponent(secrets.checkPassword)}@127.0.0.1:${new URL(check.url).port}/health`, timeout: '5s' } },
              { name: 'users back', sql: { source: 'db', database, query: 'SELECT count(*) FROM users', expect: '50' } },
            ],
          },
        },
      },
    ],
  });
  secrets.borgPassphrase = readFileSync(cfg.passphraseFile, 'utf8').trim();
});

describe('secrets', () => {
  it('reach no argv, environment, output, log, catalog, report or metrics through run, drill, restore and report', async () => {
    const run = await cli('run', 'run');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const drill = await cli('drill', 'drill', '--host', 'main');
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    const before = await tableFingerprints('mariadb', database);
    await mariadb(database, 'DELETE FROM users;');
    const restore = await cli('restore', 'restore', '--host', 'main', '--yes');
    expect(restore.exitCode, restore.stdout + restore.stderr).toBe(0);
    expect(await tableFingerprints('mariadb', database)).toEqual(before);
    // Passed, with the URL shown (credentials masked: the search below finds any that are not).
    expect(restore.stdout).toMatch(/PASS {2}check "app answers": http:\/\/\S+@127\.0\.0\.1:\d+\/health answered 200/);
    // The check's credentials went where HTTP wants them: an Authorization header, not the URL.
    expect(check.received.map((r) => [r.path, r.headers.authorization])).toEqual([['/health', `Basic ${Buffer.from(`checker:${secrets.checkPassword}`).toString('base64')}`]]);
    const report = await cli('report', 'report');
    expect(report.exitCode, report.stderr).toBe(0);
    const html = await cli('report html', 'report', '--format', 'html', '--output', htmlReport);
    expect(html.exitCode, html.stderr).toBe(0);

    // The notifications were really attempted, and failed.
    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const notes = db.prepare("SELECT notifier, status FROM notifications WHERE status = 'failed'").all() as Array<{ notifier: string }>;
    expect(notes.some((n) => n.notifier.startsWith('webhook'))).toBe(true);
    expect(notes.some((n) => n.notifier.startsWith('email'))).toBe(true);
    const columns: Array<{ where: string; text: string }> = [];
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        for (const [col, v] of Object.entries(row)) if (typeof v === 'string') columns.push({ where: `${name}.${col}`, text: v });
      }
    }
    db.close();
    expect(columns.length).toBeGreaterThan(50);

    const stateFiles = filesUnder(cfg.stateDir);
    expect(stateFiles.some((f) => f.includes(`${join(cfg.stateDir, 'logs')}/`))).toBe(true);
    const places = [
      ...outputs,
      ...columns,
      ...[...stateFiles, metricsFile, htmlReport].map((f) => ({ what: f, text: readFileSync(f, 'latin1') })),
      ...execs.map((e) => ({ what: `exec ${e.path} ${e.argv.join(' ')}`, text: `${e.path}\n${e.argv.join('\n')}\n${e.env.join('\n')}` })),
    ];
    // Both sides were traced: the dump program itself runs on the server (under sshd), borg here.
    expect(execs.some((e) => /\/mariadb-dump$/.test(e.path)), 'the trace saw the dump program start').toBe(true);
    expect(execs.some((e) => /\/borg$/.test(e.path)), 'the trace saw borg start').toBe(true);
    const leaks = [];
    for (const p of places) for (const f of forms()) if (p.text.includes(f.value)) leaks.push(`${f.name} in ${'what' in p ? p.what : ''}${'where' in p ? p.where : ''}`);
    expect(leaks).toEqual([]);
  }, 240_000); // about 40 s alone; a machine shared with other suites can take three times that
});
