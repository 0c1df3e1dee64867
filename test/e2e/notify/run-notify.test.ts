// pullback run tells people: with one host up and one down the run exits 1, the up host is archived,
// a webhook gets a failure event naming the down host, healthchecks gets /start and /fail, a command
// and a sendmail stand-in get the event, and a listener that never answers neither hangs nor fails the run.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, freePort, makeTempDir, recordingScript, runCli, schemaProblems, startListener, startSshd, writeTestConfig } from '../../harness/index.js';

describe('notifications of pullback run', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
  });

  it('a down host is a failure event; a dead listener costs only its timeout', async () => {
    const source = makeTempDir('main-server-');
    mkdirSync(join(source, 'sub'));
    writeFileSync(join(source, 'sub', 'file.txt'), 'data\n');
    const hook = await startListener();
    const dead = await startListener({ hang: true });
    const hc = await startListener();
    const page = recordingScript('page-oncall');
    const sendmail = recordingScript('sendmail');
    const fast = { timeout: '1s', attempts: 2, backoff: '1s' };
    // The live targets get a generous timeout: each host's events go out while the other host is
    // still being backed up, and on a loaded machine a 1 s attempt timed out after the target had
    // it (a second /start, a failure recorded for a live target).
    const live = { timeout: '20s', attempts: 2, backoff: '1s' };
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const cfg = await writeTestConfig({
      global: {
        rsync: { attempts: 1, backoff: '1s' },
        notify: [
          { webhook: `${hook.url}/hook`, on: ['failure', 'success', 'start'], ...live },
          { webhook: `${dead.url}/never`, on: ['failure', 'success', 'start', 'finish'], ...fast },
          { healthchecks: `${hc.url}/ping/uuid`, ...live },
          { command: [page.path], on: ['failure'], ...live },
          { email: { to: ['ops@example.org'], from: 'backup@example.org', sendmail: sendmail.path }, on: ['failure'], ...live },
        ],
      },
      hosts: [
        { name: 'up', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'down', server: down, sources: [{ name: 'data', kind: 'data', path: source }] },
      ],
    });

    const started = Date.now();
    const run = await runCli(['--config', cfg.configPath, 'run'], { timeoutMs: 90_000 });
    expect(run.exitCode, run.stderr + run.stdout).toBe(1);
    expect(await borgList(cfg.repoPath('up'), cfg.passphraseFile)).toHaveLength(1);

    const events = hook.received.map((r) => JSON.parse(r.body) as { kind: string; host?: string; failures?: Array<{ step: string; source?: string; error: string }>; errors?: string[] });
    expect(events.map((e) => e.kind).sort()).toEqual(['failure', 'start', 'success']);
    const failure = events.find((e) => e.kind === 'failure')!;
    expect(failure.host).toBe('down');
    expect(failure.errors!.join('\n')).toMatch(/connection refused|ssh connection failed|preflight/i);
    expect(events.find((e) => e.kind === 'success')!.host).toBe('up');
    for (const r of hook.received) expect(schemaProblems('event', JSON.parse(r.body)), r.body).toEqual([]);

    expect(hc.received.map((r) => r.path)).toEqual(['/ping/uuid/start', '/ping/uuid/fail']);
    expect(hc.received[1]!.body).toContain('down');
    expect(page.records()).toHaveLength(1);
    expect(page.records()[0]).toContain('"host":"down"');
    // The command notifier reads the same payload as the webhook, one JSON line on stdin.
    expect(schemaProblems('event', JSON.parse(page.records()[0]!.split('\n')[1]!))).toEqual([]);
    expect(sendmail.records()).toHaveLength(1);
    expect(sendmail.records()[0]).toMatch(/ARGV: -i -f backup@example.org -- ops@example.org/);
    expect(sendmail.records()[0]).toMatch(/Subject: pullback: down FAILED/);

    // The dead listener: 4 events x 2 attempts of 1s (+1s backoff), in parallel with the rest.
    expect(dead.received.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.stderr).toMatch(/could not notify webhook http:\/\/127\.0\.0\.1:\d+ of/);
    expect(run.stderr).not.toContain('/never');
    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const rows = db.prepare('SELECT event, notifier, status, attempts FROM notifications ORDER BY id').all() as Array<{ event: string; notifier: string; status: string; attempts: number }>;
    db.close();
    const failed = rows.filter((r) => r.status === 'failed');
    expect(failed.length, JSON.stringify(failed)).toBe(4);
    expect(failed.every((r) => r.attempts === 2 && r.notifier.startsWith('webhook http://127.0.0.1:') && !r.notifier.includes('never'))).toBe(true);
    expect(rows.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(6);

    // A good night pings healthchecks' success URL. The dead listener has made its point: this night
    // runs without it (the same files less that notifier), so as not to wait out its timeouts again.
    const g = parse(readFileSync(cfg.configPath, 'utf8')) as { notify: Array<{ webhook?: string }> };
    const alive = join(cfg.dir, 'pullback-alive-listeners.yaml');
    writeFileSync(alive, stringify({ ...g, notify: g.notify.filter((n) => !n.webhook?.endsWith('/never')) }));
    const again = await runCli(['--config', alive, 'run', '--host', 'up'], { timeoutMs: 90_000 });
    expect(again.exitCode, again.stderr + again.stdout).toBe(0);
    expect(hc.received.map((r) => r.path).slice(2)).toEqual(['/ping/uuid/start', '/ping/uuid']);
  });
});
