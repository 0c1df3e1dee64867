// The fleet in the metrics file and the HTML report: a backup host's metrics file holds every backup
// host's heartbeat and every main server's last success on its backup host (0 when never), read from
// the fleet catalog; its HTML report has the fleet section the text report has. Real nights against
// harness sshd servers, the machine's PostgreSQL as the catalog.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';
import { fleetCatalog, mainServerFiles } from './fleet-setup.js';

/** The value of the one sample of `series` with exactly `labels` in a Prometheus text file (undefined: none). */
function sample(text: string, series: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('the fleet in metrics and the HTML report', () => {
  it('exports each backup host heartbeat and each server last success, and draws the fleet in the page', async () => {
    const alpha = await startSshd();
    const beta = await startSshd();
    const { url } = await fleetCatalog();
    const out = makeTempDir('fleet-metrics-');
    const metricsA = join(out, 'a.prom');
    const host = (name: string, server: typeof alpha) => ({ name, server, sources: [{ name: 'data', kind: 'data', path: mainServerFiles(name) }] });
    const a = await writeTestConfig({ hosts: [host('alpha', alpha)], global: { backup_host: 'backup-a', catalog: { url }, metrics: { file: metricsA } } });
    const b = await writeTestConfig({ hosts: [host('beta', beta)], global: { backup_host: 'backup-b', catalog: { url } } });
    try {
      const nightB = await runCli(['--config', b.configPath, 'run']);
      expect(nightB.exitCode, nightB.stderr + nightB.stdout).toBe(0);
      // backup-b also lists "delta", never backed up (its host file added, its heartbeat pushed by status).
      const deltaFile = join(b.hostsDir, 'delta.yaml');
      const betaDoc = parse(readFileSync(join(b.hostsDir, 'beta.yaml'), 'utf8')) as Record<string, unknown>;
      writeFileSync(deltaFile, stringify({ ...betaDoc, name: 'delta' }));
      const statusB = await runCli(['--config', b.configPath, 'status']);
      expect(statusB.stdout).toMatch(/^delta\s+backup-b\s/m);

      const nightA = await runCli(['--config', a.configPath, 'run']);
      expect(nightA.exitCode, nightA.stderr + nightA.stdout).toBe(0);
      const prom = readFileSync(metricsA, 'utf8');
      for (const bh of ['backup-a', 'backup-b']) expect(sample(prom, 'pullback_fleet_backup_host_heartbeat_timestamp_seconds', `backup_host="${bh}"`), prom).toBeGreaterThan(1_700_000_000);
      expect(sample(prom, 'pullback_fleet_backup_host_max_age_seconds', 'backup_host="backup-b"')).toBe(26 * 3600);
      expect(sample(prom, 'pullback_fleet_server_last_success_timestamp_seconds', 'host="alpha",backup_host="backup-a"')).toBeGreaterThan(1_700_000_000);
      expect(sample(prom, 'pullback_fleet_server_last_success_timestamp_seconds', 'host="beta",backup_host="backup-b"')).toBeGreaterThan(1_700_000_000);
      expect(sample(prom, 'pullback_fleet_server_last_success_timestamp_seconds', 'host="delta",backup_host="backup-b"')).toBe(0);
      const check = await execa('promtool', ['check', 'metrics'], { inputFile: metricsA, reject: false, all: true });
      expect(check.exitCode, check.all).toBe(0);

      const page = join(out, 'report.html');
      const report = await runCli(['--config', a.configPath, 'report', '--format', 'html', '--output', page]);
      expect(report.exitCode, report.stderr + report.stdout).toBe(0);
      const html = readFileSync(page, 'utf8');
      const fleet = /<section class="card fleet" id="fleet">([\s\S]*?)<\/section>/.exec(html)?.[1];
      expect(fleet, html).toBeTruthy();
      const rows = [...fleet!.matchAll(/<tr class="fleet-server (\w+)" data-host="([^"]+)" data-backup-host="([^"]+)"/g)].map((m) => `${m[2]} ${m[3]} ${m[1]}`);
      expect(rows).toEqual(['alpha backup-a green', 'beta backup-b green', 'delta backup-b red']);
      const hosts = [...fleet!.matchAll(/<tr class="fleet-backup-host (\w+)" data-backup-host="([^"]+)"/g)].map((m) => `${m[2]} ${m[1]}`);
      expect(hosts).toEqual(['backup-a green', 'backup-b green']);
      expect(fleet).toContain('delta (backup host backup-b) never backed up');
    } finally {
      await alpha.stop();
      await beta.stop();
    }
  });
});
