// Logs after a real run: readable lines on stderr without a terminal (JSON with --log-format json),
// `pullback logs` filtering them readably, daily files kept for logs.keep_days only, and the
// example catalog queries of docs/operations.md run against the run's catalog.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort, makeTempDir, REPO_ROOT, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const jsonLines = (text: string) => text.split('\n').filter((l) => l.trimStart().startsWith('{'));

/** The sqlite3 queries of docs/operations.md's catalog section (`sqlite3 DB "QUERY"`). */
function docQueries(): string[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
  return [...doc.matchAll(/sqlite3 \S*catalog\.db "([^"]+)"/g)].map((m) => m[1]!);
}

describe('logs', () => {
  it('readable stderr, JSON on request, pullback logs, rotation and the documented catalog queries', async () => {
    const server = await startSshd();
    const source = makeTempDir('logs-src-');
    writeFileSync(join(source, 'a.txt'), 'a\n');
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 1 }, logs: { keep_days: 5 } },
      hosts: [
        { name: 'up', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'down', server: down, sources: [{ name: 'data', kind: 'data', path: source }] },
      ],
    });
    const logDir = join(cfg.stateDir, 'logs');
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    for (const n of [40, 10, 5, 4]) writeFileSync(join(logDir, `pullback-${daysAgo(n)}.log`), '', { mode: 0o600 });
    writeFileSync(join(logDir, 'notes.txt'), 'mine\n');

    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(1);
    expect(jsonLines(run.stderr), run.stderr).toEqual([]);
    expect(run.stderr).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: down.*preflight could not connect/m);
    expect(run.stderr).not.toContain('\u001b[');
    // keep_days 5: today and the four days before it; other files are not pullback's to delete.
    expect(readdirSync(logDir).sort()).toEqual([`pullback-${daysAgo(4)}.log`, `pullback-${daysAgo(0)}.log`, 'notes.txt'].sort());

    const logs = await runCli(['--config', cfg.configPath, 'logs', '--host', 'down', '--level', 'warn', '--since', '1h']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] WARN: down.*preflight could not connect/m);
    expect(jsonLines(logs.stdout)).toEqual([]);
    expect(logs.stdout).not.toMatch(/INFO|DEBUG|^.*: up /m);
    const runId = JSON.parse(jsonLines(readFileSync(join(logDir, `pullback-${daysAgo(0)}.log`), 'utf8')).find((l) => l.includes('"runId"'))!).runId as number;
    const ofRun = await runCli(['--config', cfg.configPath, 'logs', '--run', String(runId), '--host', 'up']);
    expect(ofRun.stdout).toMatch(/INFO: up /);
    expect(ofRun.stdout).not.toMatch(/: down /);
    expect((await runCli(['--config', cfg.configPath, 'logs', '--level', 'loud'])).exitCode).toBe(2);

    const json = await runCli(['--config', cfg.configPath, '--log-format', 'json', 'run', '--host', 'down']);
    expect(json.exitCode).toBe(1);
    const entries = jsonLines(json.stderr).map((l) => JSON.parse(l) as { level: number; host?: string; msg: string });
    expect(entries.length).toBeGreaterThan(0);
    // The free-space preflight may warn first (no earlier pull to estimate from): look at every warning of the host.
    expect(entries.filter((e) => e.level === 40 && e.host === 'down').map((e) => e.msg)).toContainEqual(expect.stringContaining('preflight could not connect'));

    const queries = docQueries();
    expect(queries.length).toBeGreaterThanOrEqual(6);
    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    try {
      for (const q of queries) {
        const rows = db.prepare(q).all();
        // Only the daemon's skipped runs can be missing from the catalog of one manual run.
        if (!q.includes("'skipped'")) expect(rows.length, q).toBeGreaterThan(0);
      }
    } finally {
      db.close();
    }
  }, 60_000);
});
