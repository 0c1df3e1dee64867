// Freshness, the morning report and the metrics file, read back after real runs: one host reachable
// (a harness sshd), one not (a closed port); then the catalog backdated to make the good host stale.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openInChromium } from '../../harness/chromium.js';
import { freePort, makeTempDir, parseProm, runCli, startListener, startSshd, writeTestConfig } from '../../harness/index.js';

type Json = Record<string, any>;

/** `pullback report --format html` looked at in headless Chromium: summary, coloured host rows, drawn charts, no errors, no requests. */
async function checkHtmlReport(c: string[], dir: string): Promise<void> {
  const stdout = await runCli([...c, 'report', '--format', 'html']);
  expect(stdout.exitCode, stdout.stderr).toBe(0);
  expect(stdout.stdout).toMatch(/^<!DOCTYPE html>/);
  const file = join(dir, 'report.html');
  const written = await runCli([...c, 'report', '--format', 'html', '--output', file]);
  expect(written.exitCode, written.stderr).toBe(0);
  const b = await openInChromium(pathToFileURL(file).href);
  try {
    const { page } = b;
    expect(await page.locator('.summary').innerText()).toBe('2 hosts: 1 red, 1 green');
    const row = (host: string) => page.locator(`tr.host-row[data-host="${host}"]`);
    for (const [host, bg, badge] of [['up', 'rgb(218, 251, 225)', 'rgb(26, 127, 55)'], ['down', 'rgb(255, 235, 233)', 'rgb(207, 34, 46)']] as const) {
      await expect.poll(() => row(host).isVisible()).toBe(true);
      expect(await row(host).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(bg);
      expect(await row(host).locator('.light').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(badge);
    }
    expect(await row('down').locator('.light').innerText()).toBe('RED');
    const failure = page.locator('section.host[data-host="down"] .failures pre').first();
    expect(await failure.isVisible()).toBe(true);
    expect(await failure.innerText()).toMatch(/connection refused|ssh connection failed|cannot list/i);
    for (const id of ['duration', 'bytes', 'repository']) {
      const svg = page.locator(`figure[data-chart="${id}"] .wide svg`);
      const box = await svg.boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width, id).toBeGreaterThan(100);
      expect(box!.height, id).toBeGreaterThan(50);
      // Drawn, not just sized: the line/points of both hosts are there.
      expect(await svg.locator('path, .mark-symbol path').count(), id).toBeGreaterThan(2);
      expect(await svg.locator('text', { hasText: 'down' }).count(), id).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    expect(b.errors).toEqual([]);
    expect(b.requests).toEqual([]);
  } finally {
    await b.close();
  }
}

describe('status, report and metrics', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
  });

  it('after a run with one host down: status exits 1, the report lists both (HTML looked at in Chromium), metrics parse back; a backdated catalog is stale', async () => {
    const source = makeTempDir('main-server-');
    mkdirSync(join(source, 'sub'));
    writeFileSync(join(source, 'sub', 'file.txt'), 'data\n');
    writeFileSync(join(source, 'big.bin'), Buffer.alloc(64 * 1024, 7));
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const dir = makeTempDir('pullback-metrics-');
    const metricsFile = join(dir, 'textfile', 'pullback.prom');
    const hook = await startListener();
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 1, backoff: '1s' }, metrics: { file: metricsFile }, notify: [{ webhook: hook.url, on: ['stale'], timeout: '5s' }] },
      hosts: [
        { name: 'up', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'down', server: down, sources: [{ name: 'data', kind: 'data', path: source }] },
      ],
    });
    const c = ['--config', cfg.configPath];

    const run = await runCli([...c, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(1);

    const status = await runCli([...c, 'status']);
    expect(status.exitCode, status.stderr + status.stdout).toBe(1);
    expect(status.stdout).toMatch(/^up\s+-\s+GREEN\s+\d{4}-\d\d-\d\dT/m);
    expect(status.stdout).toMatch(/^up\s+data\s+GREEN/m);
    expect(status.stdout).toMatch(/^down\s+-\s+RED\s+never/m);
    expect(status.stdout).toMatch(/RED down: never backed up successfully/);

    const sj = JSON.parse((await runCli([...c, 'status', '--json'])).stdout) as Json;
    expect(sj.status).toBe('red');
    const byHost = Object.fromEntries(sj.hosts.map((h: Json) => [h.host, h]));
    expect(byHost.up.status).toBe('green');
    expect(byHost.up.backup.max_age_seconds).toBe(26 * 3600);
    expect(byHost.up.checks.find((k: Json) => k.kind === 'archives')).toMatchObject({ result: 'ok', status: 'green' });
    expect(byHost.down).toMatchObject({ status: 'red', last_job: { kind: 'run', status: 'failed' } });

    const fresh = await runCli([...c, 'status', '--host', 'up']);
    expect(fresh.exitCode, fresh.stdout).toBe(0);

    const report = await runCli([...c, 'report', '--format', 'json', '--since', '24h']);
    expect(report.exitCode, report.stderr).toBe(0);
    const rj = JSON.parse(report.stdout) as Json;
    const rh = Object.fromEntries(rj.hosts.map((h: Json) => [h.host, h]));
    expect(Object.keys(rh).sort()).toEqual(['down', 'up']);
    expect(rh.up).toMatchObject({ status: 'green', last_run: { status: 'ok', kind: 'run' }, archives: { count: 1 }, failures: [] });
    expect(rh.up.last_run.bytes).toBeGreaterThan(64 * 1024);
    expect(rh.up.archives.deduplicated_bytes).toBeGreaterThan(0);
    expect(rh.up.trend).toHaveLength(1);
    expect(rh.down).toMatchObject({ status: 'red', last_run: { status: 'failed' }, archives: { count: 0 } });
    expect(rh.down.failures[0]).toMatchObject({ step: 'pull', source: 'data' });
    expect(rh.down.failures[0].message).toMatch(/connection refused|ssh connection failed|cannot list/i);

    const text = await runCli([...c, 'report']);
    expect(text.stdout).toMatch(/^up: GREEN$/m);
    expect(text.stdout).toMatch(/^down: RED$/m);
    expect(text.stdout).toMatch(/^ {4}pull\/data: /m);
    const out = join(dir, 'report.json');
    expect((await runCli([...c, 'report', '--format', 'json', '--output', out])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).hosts).toHaveLength(2);
    // A folder, or a file in a folder that does not exist: a clear refusal (exit 2), nothing made.
    const toDir = await runCli([...c, 'report', '--output', dir]);
    expect([toDir.exitCode, toDir.stderr.trim()]).toEqual([2, `pullback: --output ${dir}: is a folder; give a file name (e.g. ${join(dir, 'index.html')})`]);
    const toNowhere = await runCli([...c, 'report', '--output', join(dir, 'nope', 'r.html')]);
    expect([toNowhere.exitCode, toNowhere.stderr.trim()]).toEqual([2, `pullback: --output ${join(dir, 'nope', 'r.html')}: the folder ${join(dir, 'nope')} does not exist (make it first)`]);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
    await checkHtmlReport(c, dir);

    const prom = readFileSync(metricsFile, 'utf8');
    expect(prom).toMatch(/^# TYPE pullback_last_success_timestamp_seconds gauge$/m);
    const m = parseProm(prom);
    const success = m.get('pullback_last_success_timestamp_seconds{host="up"}')!;
    expect(Math.abs(success - Date.now() / 1000)).toBeLessThan(300);
    // Never succeeded: the series is there, 0 (docs/metrics.md), so "never" is alertable.
    expect(m.get('pullback_last_success_timestamp_seconds{host="down"}')).toBe(0);
    expect(m.get('pullback_last_run_status{host="up",status="ok"}')).toBe(1);
    expect(m.get('pullback_last_run_status{host="down",status="failed"}')).toBe(1);
    expect(m.get('pullback_last_run_status{host="down",status="ok"}')).toBe(0);
    expect(m.get('pullback_archives{host="up"}')).toBe(1);
    expect(m.get('pullback_last_run_transferred_bytes{host="up"}')).toBeGreaterThan(64 * 1024);
    expect(m.get('pullback_source_last_run_success{host="down",source="data"}')).toBe(0);
    expect(m.get('pullback_repository_deduplicated_bytes{host="up"}')).toBeGreaterThan(0);
    expect(m.get('pullback_last_check_success{host="up",kind="archives"}')).toBe(1);
    expect(m.get('pullback_freshness{host="down"}')).toBe(2);

    // pullback check rewrites the file too.
    rmSync(metricsFile);
    const check = await runCli([...c, 'check', '--host', 'up']);
    expect(check.exitCode, check.stderr + check.stdout).toBe(0);
    expect(parseProm(readFileSync(metricsFile, 'utf8')).get('pullback_last_check_success{host="up",kind="archives"}')).toBe(1);

    // Three days without a run: the good host is stale though nothing ran (and nothing failed) since.
    const db = new Database(join(cfg.stateDir, 'catalog.db'));
    const back = (table: string, cols: string[]) =>
      db.prepare(`UPDATE ${table} SET ${cols.map((col) => `${col} = strftime('%Y-%m-%dT%H:%M:%fZ', ${col}, '-3 days')`).join(', ')}`).run();
    back('runs', ['started_at', 'ended_at']);
    back('host_results', ['started_at', 'ended_at']);
    back('steps', ['started_at', 'ended_at']);
    back('archives', ['created_at']);
    back('check_history', ['last_run_at']);
    back('repository_sizes', ['measured_at']);
    db.close();
    const stale = await runCli([...c, 'status', '--host', 'up']);
    expect(stale.exitCode, stale.stdout).toBe(1);
    expect(stale.stdout).toMatch(/^up\s+-\s+RED\s+\S+\s+3d/m);
    expect(stale.stdout).toMatch(/RED up: stale: last success 3d ago \(max_age 1d 2h\)/);
    expect(stale.stdout).toMatch(/RED up\/data: stale/);
    // Staleness needs no run to be told: status --notify sends a stale event for the host and its source.
    expect(hook.received).toEqual([]);
    const told = await runCli([...c, 'status', '--host', 'up', '--notify']);
    expect(told.exitCode, told.stdout + told.stderr).toBe(1);
    const events = hook.received.map((r) => JSON.parse(r.body) as { kind: string; title: string });
    expect(events.map((e) => e.kind)).toEqual(['stale', 'stale']);
    expect(events.map((e) => e.title).join('\n')).toMatch(/up is stale[\s\S]*up\/data is stale|up\/data is stale[\s\S]*up is stale/);
    await hook.close();
    const staleReport = JSON.parse((await runCli([...c, 'report', '--format', 'json', '--host', 'up'])).stdout) as Json;
    expect(staleReport.hosts[0]).toMatchObject({ status: 'red', runs: [], archives: { count: 1, growth_bytes: 0 } });
  });
});
