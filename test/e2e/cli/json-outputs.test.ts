// Every JSON output of the CLI, and the notification payload, validated against its schema in
// docs/schemas/ (docs/json.md) after two real nights: host `main` (a harness sshd) with files and a
// SQLite database dumped, host `down` (a closed port) that fails; a drill, every browsing command,
// status and the report. Besides each schema: every key is snake_case and every time has its zone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTempDir, runCli, schemaProblems, startListener, startSshd, writeTestConfig, type Listener } from '../../harness/index.js';
import { makeSqliteSource } from '../dump/fixtures.js';

type Json = Record<string, any>;

const SNAKE = /^[a-z][a-z0-9_]*$/;
const TIMEISH = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Keys not in snake_case and time-like strings without their Z, anywhere in `doc`, by their path. */
function conventionProblems(doc: unknown, at = ''): string[] {
  if (Array.isArray(doc)) return doc.flatMap((x, i) => conventionProblems(x, `${at}/${i}`));
  if (doc !== null && typeof doc === 'object') {
    return Object.entries(doc).flatMap(([k, v]) => [...(SNAKE.test(k) ? [] : [`${at}/${k}: not snake_case`]), ...conventionProblems(v, `${at}/${k}`)]);
  }
  return typeof doc === 'string' && TIMEISH.test(doc) && !UTC.test(doc) ? [`${at}: ${doc}: a time without its zone`] : [];
}

/** Parses `stdout`, and expects it to fit the schema `name` and the conventions; returns the document. */
function valid(name: string, stdout: string): Json {
  const doc = JSON.parse(stdout) as Json;
  expect(schemaProblems(name, doc), `${name}:\n${stdout.slice(0, 3000)}`).toEqual([]);
  expect(conventionProblems(doc), name).toEqual([]);
  expect(doc.schema_version).toBe(1);
  return doc;
}

let c: string[];
let hook: Listener;

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('json-outputs-');
  const data = join(root, 'data');
  mkdirSync(join(data, 'docs'), { recursive: true });
  writeFileSync(join(data, 'docs', 'a.txt'), 'first\n');
  writeFileSync(join(data, 'b.conf'), 'x = 1\n');
  mkdirSync(join(root, 'app'));
  makeSqliteSource(join(root, 'app', 'app.db'));
  const down = { address: server.address, port: await freePort(server.address), user: server.user };
  hook = await startListener();
  const cfg = await writeTestConfig({
    global: { rsync: { attempts: 1, backoff: '1s' }, notify: [{ webhook: hook.url, on: ['start', 'success', 'warning', 'failure', 'finish', 'drill'], timeout: '10s' }] },
    hosts: [
      {
        name: 'main',
        server,
        sources: [
          { name: 'data', kind: 'data', path: data },
          { name: 'lite', kind: 'database', path: join(root, 'lite'), dump: { engine: 'sqlite', databases: [join(root, 'app', 'app.db')] } },
        ],
      },
      { name: 'down', server: down, sources: [{ name: 'data', kind: 'data', path: data }] },
    ],
  });
  c = ['--config', cfg.configPath];
  const first = await runCli([...c, 'run']);
  expect(first.exitCode, first.stderr + first.stdout).toBe(1);
  // The second night: a file changed, one added (something for diff and find to say).
  writeFileSync(join(data, 'docs', 'a.txt'), 'second, longer\n');
  writeFileSync(join(data, 'docs', 'new.txt'), 'new\n');
  const second = await runCli([...c, 'run', '--host', 'main']);
  expect(second.exitCode, second.stderr + second.stdout).toBe(0);
}, 600_000);

describe('JSON outputs against docs/schemas', () => {
  it('status --json: both hosts, the failing one red; backup named as in the report', async () => {
    const r = await runCli([...c, 'status', '--json']);
    expect(r.exitCode, r.stderr).toBe(1);
    const doc = valid('status', r.stdout);
    const main = doc.hosts.find((h: Json) => h.host === 'main');
    expect(main.backup).toMatchObject({ status: 'green', max_age_seconds: expect.any(Number), last_success: expect.stringMatching(UTC) });
    expect(doc.hosts.find((h: Json) => h.host === 'down').status).toBe('red');
  });

  it('report --format json: the same backup fields, runs, failures and trend', async () => {
    const r = await runCli([...c, 'report', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = valid('report', r.stdout);
    const main = doc.hosts.find((h: Json) => h.host === 'main');
    expect(Object.keys(main.backup).sort()).toEqual(['age_seconds', 'last_success', 'max_age_seconds', 'reason', 'status']);
    expect(main.runs.length).toBeGreaterThanOrEqual(2);
    expect(doc.hosts.find((h: Json) => h.host === 'down').failures.length).toBeGreaterThan(0);
  });

  it('list --json: two nightly archives with their start in UTC', async () => {
    const r = await runCli([...c, 'list', '--host', 'main', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = valid('list', r.stdout);
    const archives = doc.hosts[0].archives as Json[];
    expect(archives.map((a) => a.kind)).toEqual(['nightly', 'nightly']);
    // The archive's name holds the night's UTC stamp; borg's start, converted to UTC, follows it by
    // the pulls' time (seconds, minutes under load), never by a zone's hours.
    for (const a of archives) {
      const [, d, t] = /(\d{8})T(\d{6})/.exec(a.name)!;
      const named = Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4)}Z`);
      const lag = Date.parse(a.started_at) - named;
      expect(lag, `${a.name} started ${a.started_at}`).toBeGreaterThanOrEqual(-1000);
      expect(lag, `${a.name} started ${a.started_at}`).toBeLessThan(30 * 60_000);
    }
  });

  it('find, ls and diff --json', async () => {
    const list = JSON.parse((await runCli([...c, 'list', '--host', 'main', '--json'])).stdout) as Json;
    const [older, newer] = (list.hosts[0].archives as Json[]).map((a) => a.name as string);

    const found = await runCli([...c, 'find', '--host', 'main', '--json', '*.txt']);
    expect(found.exitCode, found.stderr).toBe(0);
    const f = valid('find', found.stdout);
    expect(f.matches.map((m: Json) => `${m.path} ${m.change}`)).toEqual(expect.arrayContaining(['data/docs/a.txt changed', 'data/docs/new.txt new']));

    const root = await runCli([...c, 'ls', '--host', 'main', '--json']);
    expect(root.exitCode, root.stderr).toBe(0);
    expect(valid('ls', root.stdout).entries.map((e: Json) => e.path).sort()).toEqual(['data', 'lite']);
    const docs = await runCli([...c, 'ls', '--host', 'main', '--json', 'data/docs']);
    expect(docs.exitCode, docs.stderr).toBe(0);
    expect(valid('ls', docs.stdout).entries.map((e: Json) => e.path).sort()).toEqual(['data/docs/a.txt', 'data/docs/new.txt']);

    const diff = await runCli([...c, 'diff', '--host', 'main', '--json', older!, newer!]);
    expect(diff.exitCode, diff.stderr).toBe(0);
    const d = valid('diff', diff.stdout);
    expect(d.changes).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data/docs/new.txt', kind: 'added' }), expect.objectContaining({ path: 'data/docs/a.txt', kind: 'modified' })]));
  });

  it('drill --json: files and the SQLite dump restored and compared', async () => {
    const r = await runCli([...c, 'drill', '--host', 'main', '--sample', '3', '--archive', 'latest', '--json']);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const doc = valid('drill', r.stdout);
    expect(doc.drills[0]).toMatchObject({ host: 'main', status: 'ok', databases: [expect.objectContaining({ engine: 'sqlite', status: 'ok' })] });
  });

  it('every webhook body: the event schema, one text line, the backup host named', () => {
    const bodies = hook.received.map((x) => JSON.parse(x.body) as Json);
    expect(new Set(bodies.map((b) => b.kind))).toEqual(new Set(['start', 'success', 'failure', 'finish', 'drill']));
    for (const b of bodies) {
      expect(schemaProblems('event', b), JSON.stringify(b)).toEqual([]);
      expect(conventionProblems(b)).toEqual([]);
      expect(b.text).toContain(b.title);
      expect(b.backup_host).not.toBe('');
    }
  });
});
