// Alerts that fire and numbers that are true (issue 25), on the metrics file and the report of real
// runs: one host backed up (a harness sshd), one configured host that never succeeds (a closed
// port). promtool checks the file, and the shipped alert rules (docs/alerts/pullback.rules.yml) are
// tested over its own samples: "never" fires for the host that was never backed up, "stale" for the
// good one a day later, "failing" at once. After a night whose prune deleted an archive, the
// repository's size in the metric, the text and JSON reports and the chart's data is borg's own
// (`borg info --json`: unique_csize), not the sum of the archives' sizes at their creation.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { trendCharts } from '../../../src/report/charts.js';
import type { ReportData } from '../../../src/report/data.js';
import { humanBytes } from '../../../src/util/table.js';
import { borgList, freePort, makeTempDir, parseProm, runBorg, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

const RULES = resolve('docs/alerts/pullback.rules.yml');
const HOUR = 3600;

async function promtool(args: string[], inputFile?: string): Promise<{ exitCode: number; output: string }> {
  const r = await execa('promtool', args, { reject: false, all: true, ...(inputFile ? { inputFile } : { stdin: 'ignore' }) });
  if ((r as { code?: string }).code === 'ENOENT') throw new Error('promtool is not installed (apt-get install prometheus; scripts/bootstrap installs it)');
  return { exitCode: r.exitCode ?? -1, output: r.all ?? '' };
}

/**
 * A `promtool test rules` file whose input series are the metrics file's samples, held until `hours` after `base`.
 * promtool's clock starts at 0, so every timestamp is moved by the same amount: the file's own
 * time becomes `base` seconds (a 0, "never", stays 0); ages between them are what they were.
 */
function rulesTest(prom: Map<string, number>, base: number, hours: number, tests: unknown[]): string {
  const generated = prom.get('pullback_metrics_generated_timestamp_seconds')!;
  const steps = (base + hours * HOUR) / 300;
  const input_series = [...prom].map(([series, v]) => {
    const value = /_timestamp_seconds(\{|$)/.test(series) && v > 0 ? v - generated + base : v;
    return { series, values: `${value}+0x${steps}` };
  });
  return JSON.stringify({ rule_files: [RULES], evaluation_interval: '5m', tests: [{ interval: '5m', input_series, alert_rule_test: tests }] }, null, 1);
}

const firing = (alertname: string, at: number, alerts: Array<{ labels: Record<string, string>; summary: string; description: string }>) => ({
  eval_time: `${at}s`,
  alertname,
  exp_alerts: alerts.map((a) => ({ exp_labels: a.labels, exp_annotations: { summary: a.summary, description: a.description } })),
});

describe('metrics and alerts', () => {
  it('the shipped rules pass promtool check rules and their own unit tests', async () => {
    const check = await promtool(['check', 'rules', RULES]);
    expect(check.exitCode, check.output).toBe(0);
    const test = await promtool(['test', 'rules', resolve('docs/alerts/pullback.rules.test.yml')]);
    expect(test.exitCode, test.output).toBe(0);
    expect(test.output).toContain('SUCCESS');
  });

  it('after real nights with a host that never succeeds: promtool accepts the file, never/stale/failing fire; the repository size is borg\'s after a prune', async () => {
    const server = await startSshd();
    const source = makeTempDir('metrics-alerts-src-');
    writeFileSync(join(source, 'kept.txt'), 'kept\n'.repeat(1000));
    // Random (incompressible) data only the first archive holds once the second night replaced it.
    writeFileSync(join(source, 'first.bin'), randomBytes(512 * 1024));
    const never = { address: server.address, port: await freePort(server.address), user: server.user };
    const dir = makeTempDir('metrics-alerts-');
    const metricsFile = join(dir, 'textfile', 'pullback.prom');
    const cfg = await writeTestConfig({
      global: {
        rsync: { attempts: 1, backoff: '1s' },
        metrics: { file: metricsFile },
        // One archive a day: the third night's prune deletes the first night's archive.
        retention: { daily: 1, weekly: 0, monthly: 0 },
        // No borg check: three nights are enough borg work on a loaded machine (checks are not what is tested).
        checks: { repository: 'never', archives: 'never' },
      },
      hosts: [
        { name: 'up', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'never', server: never, sources: [{ name: 'data', kind: 'data', path: source }] },
      ],
    });
    const c = ['--config', cfg.configPath];
    const night = async () => {
      const t0 = Date.now();
      const r = await runCli([...c, 'run']);
      console.log(`night: exit ${r.exitCode} in ${Date.now() - t0} ms`);
      expect(r.exitCode, r.stderr + r.stdout).toBe(1); // "never" fails every night
    };
    await night();
    rmSync(join(source, 'first.bin'));
    writeFileSync(join(source, 'second.bin'), randomBytes(256 * 1024));
    // The second night owes a prune (the first created the repository), which the third pays first.
    await night();
    writeFileSync(join(source, 'third.txt'), 'third\n');
    await night();

    const repo = cfg.repoPath('up');
    const archives = await borgList(repo, cfg.passphraseFile);
    expect(archives, 'the first archive was pruned').toHaveLength(2);
    const info = JSON.parse((await runBorg(['info', '--json', repo], cfg.passphraseFile)).stdout) as { cache: { stats: { unique_csize: number; total_csize: number } } };
    const { unique_csize: unique, total_csize: total } = info.cache.stats;
    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    const pruned = db.prepare("SELECT COUNT(*) AS n FROM archives WHERE host = 'up' AND pruned_at IS NOT NULL").get() as { n: number };
    // The old figure: the kept archives' deduplicated sizes at their creation (what the bug reported).
    const oldSum = db.prepare("SELECT SUM(deduplicated_size) AS s FROM archives WHERE host = 'up' AND pruned_at IS NULL").get() as { s: number };
    const sizeSteps = db.prepare("SELECT status FROM steps WHERE host = 'up' AND step = 'repository_size'").all();
    db.close();
    expect(pruned.n).toBe(1);
    expect(sizeSteps).toEqual([{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }]);
    expect(oldSum.s).not.toBe(unique);

    // The metric, the JSON report, the text report and the chart's data: borg's unique_csize.
    const prom = readFileSync(metricsFile, 'utf8');
    const m = parseProm(prom);
    expect(m.get('pullback_repository_deduplicated_bytes{host="up"}')).toBe(unique);
    expect(m.get('pullback_repository_compressed_bytes{host="up"}')).toBe(total);
    const report = JSON.parse((await runCli([...c, 'report', '--format', 'json'])).stdout) as ReportData;
    const up = report.hosts.find((h) => h.host === 'up')!;
    expect(up.archives).toMatchObject({ count: 2, deduplicated_bytes: unique, compressed_bytes: total });
    expect(up.trend.map((p) => p.repository_deduplicated_bytes).at(-1)).toBe(unique);
    const chart = trendCharts(report).find((ch) => ch.id === 'repository')!;
    const points = (chart.specs!.wide.data as { values: Array<{ host: string; value: number }> }).values.filter((v) => v.host === 'up');
    expect(points.at(-1)!.value).toBe(unique);
    const text = await runCli([...c, 'report', '--host', 'up']);
    expect(text.stdout).toContain(`; repository ${humanBytes(unique)} deduplicated and compressed (borg, `);
    // The first night created its repository (beside the failed pulls): empty, and measured so.
    expect(report.hosts.find((h) => h.host === 'never')!.archives).toMatchObject({ count: 0, deduplicated_bytes: 0 });

    // Every configured host and source has its series; "never" is 0, not absent.
    expect(m.get('pullback_last_success_timestamp_seconds{host="never"}')).toBe(0);
    expect(m.get('pullback_source_last_success_timestamp_seconds{host="never",source="data"}')).toBe(0);
    expect(m.get('pullback_source_max_age_seconds{host="never",source="data"}')).toBe(26 * HOUR);
    expect(m.get('pullback_max_age_seconds{host="up"}')).toBe(26 * HOUR);
    expect(m.get('pullback_last_success_timestamp_seconds{host="up"}')).toBeGreaterThan(0);
    const generated = m.get('pullback_metrics_generated_timestamp_seconds')!;
    expect(Math.abs(generated - Date.now() / 1000)).toBeLessThan(600);
    expect(m.get('pullback_first_seen_timestamp_seconds{host="never"}')).toBeLessThanOrEqual(generated);

    const checked = await promtool(['check', 'metrics'], metricsFile);
    console.log(`promtool check metrics ${metricsFile}: exit ${checked.exitCode}\n${checked.output}`);
    expect(checked.exitCode, checked.output).toBe(0);

    // The rules over this file's samples: an hour after it was written, then 27 hours after (past every max_age of 26 h).
    const base = 2 * 24 * HOUR;
    const [soon, late] = [base + HOUR, base + 27 * HOUR];
    const failing = [
      firing('PullbackHostFailing', soon, [{ labels: { severity: 'warning', host: 'never', status: 'failed' }, summary: 'never: the last nightly run failed', description: 'pullback report --host never lists the failures with their error lines.' }]),
      firing('PullbackSourceFailing', soon, [{ labels: { severity: 'warning', host: 'never', source: 'data' }, summary: 'never/data failed in the last nightly run', description: 'pullback report --host never lists the failures with their error lines.' }]),
    ];
    const quiet = ['PullbackHostNeverBackedUp', 'PullbackSourceNeverBackedUp', 'PullbackHostStale', 'PullbackSourceStale', 'PullbackRepositoryDamaged', 'PullbackMetricsMissing'].map((a) => firing(a, soon, []));
    const later = [
      firing('PullbackHostNeverBackedUp', late, [{ labels: { severity: 'critical', host: 'never' }, summary: 'never has never been backed up', description: 'pullback has had never configured for longer than its max_age and no nightly run of it ever succeeded (pullback status, pullback logs --host never).' }]),
      firing('PullbackSourceNeverBackedUp', late, [{ labels: { severity: 'critical', host: 'never', source: 'data' }, summary: 'never/data has never been backed up', description: 'pullback has had never/data configured for longer than its max_age and it was never archived after a good pull.' }]),
      firing('PullbackHostStale', late, [{ labels: { severity: 'critical', host: 'up' }, summary: 'up: last successful backup is older than its max_age', description: 'The last nightly run of up that succeeded ended longer ago than its max_age (pullback status).' }]),
      firing('PullbackSourceStale', late, [{ labels: { severity: 'critical', host: 'up', source: 'data' }, summary: 'up/data: last successful backup is older than its max_age', description: 'The last archive holding a good pull of up/data is older than its max_age (pullback status).' }]),
      firing('PullbackHostFailing', late, [{ labels: { severity: 'warning', host: 'never', status: 'failed' }, summary: 'never: the last nightly run failed', description: 'pullback report --host never lists the failures with their error lines.' }]),
    ];
    const testFile = join(dir, 'real-run.rules.test.yml');
    writeFileSync(testFile, rulesTest(m, base, 28, [...quiet, ...failing, ...later]));
    const tested = await promtool(['test', 'rules', testFile]);
    console.log(`promtool test rules ${testFile}: exit ${tested.exitCode}\n${tested.output}`);
    expect(tested.exitCode, tested.output).toBe(0);
    await server.stop();
  }, 600_000);
});
