// The fleet's series in the metrics file (from the fleet catalog's view) and its section of the HTML page.
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../../src/report/metrics-render.js';
import { fleetMetrics } from '../../../src/report/metrics-write.js';
import { judgeFleet } from '../../../src/report/fleet-status.js';
import { reportHtml } from '../../../src/report/html.js';
import type { FleetView } from '../../../src/catalog/fleet/fleet-read.js';
import type { ReportData } from '../../../src/report/data.js';

const HOSTILE = `<b>x</b>&"`;
const view: FleetView = {
  now: new Date('2026-03-10T12:00:00Z'),
  backupHosts: [
    { name: 'backup-1', heartbeatAt: new Date('2026-03-10T11:59:00Z'), maxAgeSeconds: 93600, lastNightAt: new Date('2026-03-10T02:10:00Z'), servers: [{ name: 'web', maxAgeSeconds: 93600 }, { name: HOSTILE, maxAgeSeconds: 3600 }] },
    { name: 'backup-2', heartbeatAt: new Date('2026-03-08T11:00:00Z'), maxAgeSeconds: 93600, servers: [{ name: 'db', home: 'backup-2', maxAgeSeconds: 93600 }] },
  ],
  nights: [
    { backupHost: 'backup-1', host: 'web', lastOkAt: new Date('2026-03-10T02:10:00Z'), lastStatus: 'ok' },
    { backupHost: 'backup-2', host: 'db', lastOkAt: new Date('2026-03-08T02:00:00Z'), lastStatus: 'ok' },
  ],
};
const s = (d: string) => Date.parse(d) / 1000;

describe('the fleet in the metrics file', () => {
  it('has every backup host heartbeat and max_age, every server last success on its backup host (0: never)', async () => {
    const text = await renderMetrics([], new Date('2026-03-10T12:00:00Z'), fleetMetrics(view));
    expect(text).toContain(`pullback_fleet_backup_host_heartbeat_timestamp_seconds{backup_host="backup-1"} ${s('2026-03-10T11:59:00Z')}`);
    expect(text).toContain(`pullback_fleet_backup_host_heartbeat_timestamp_seconds{backup_host="backup-2"} ${s('2026-03-08T11:00:00Z')}`);
    expect(text).toContain('pullback_fleet_backup_host_max_age_seconds{backup_host="backup-2"} 93600');
    expect(text).toContain(`pullback_fleet_server_last_success_timestamp_seconds{host="web",backup_host="backup-1"} ${s('2026-03-10T02:10:00Z')}`);
    expect(text).toContain(`pullback_fleet_server_last_success_timestamp_seconds{host="db",backup_host="backup-2"} ${s('2026-03-08T02:00:00Z')}`);
    expect(text).toContain('pullback_fleet_server_last_success_timestamp_seconds{host="<b>x</b>&\\"",backup_host="backup-1"} 0');
    expect(text).toContain('pullback_fleet_server_max_age_seconds{host="<b>x</b>&\\"",backup_host="backup-1"} 3600');
  });

  it('has no fleet series without a fleet', async () => {
    expect(await renderMetrics([], new Date())).not.toContain('pullback_fleet_');
  });
});

describe('the fleet in the HTML report', () => {
  const report: ReportData = { generated_at: '2026-03-10T12:00:00.000Z', since: '2026-03-09T12:00:00.000Z', status: 'green', hosts: [] } as unknown as ReportData;

  it('lists every server with its backup host and light, each backup host, and the red reasons, escaped', () => {
    const html = reportHtml(report, [], { url: 'postgres://pullback@catalog/pullback', verdicts: judgeFleet(view) });
    const fleet = /<section class="card fleet" id="fleet">([\s\S]*?)<\/section>/.exec(html)![1]!;
    const rows = [...fleet.matchAll(/<tr class="fleet-server (\w+)" data-host="([^"]+)" data-backup-host="([^"]+)"/g)].map((m) => `${m[2]} ${m[3]} ${m[1]}`);
    expect(rows).toEqual(['&lt;b&gt;x&lt;/b&gt;&amp;&quot; backup-1 red', 'db backup-2 red', 'web backup-1 green']);
    expect(fleet).toContain('data-backup-host="backup-2"><td data-label="backup host">backup-2</td><td data-label="state"><span class="light red">RED</span>');
    expect(fleet).toContain('backup host backup-2 not heard of for 2d 1h');
    expect(fleet).toContain('unprotected: db');
    expect(fleet).toContain('never backed up');
    expect(fleet).not.toContain('<b>x</b>');
  });

  it('says the fleet catalog was unreachable, and has no section without a fleet', () => {
    expect(reportHtml(report, [], { url: 'postgres://pullback@catalog/pullback', verdicts: undefined })).toContain('The fleet catalog postgres://pullback@catalog/pullback could not be reached');
    expect(reportHtml(report, [])).not.toContain('id="fleet"');
  });
});
