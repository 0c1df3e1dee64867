// The fleet's verdicts (report/fleet-status.ts): a backup host red when its heartbeat or its last
// night is older than the largest max_age of its servers, its servers then named as unprotected.
import { describe, expect, it } from 'vitest';
import { fleetText, judgeFleet } from '../../../src/report/fleet-status.js';
import type { FleetView } from '../../../src/catalog/fleet/fleet-read.js';

const H = 3600_000;
const now = new Date('2026-12-08T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

function view(over: Partial<FleetView> = {}): FleetView {
  return {
    now,
    backupHosts: [
      { name: 'backup-1', heartbeatAt: ago(60_000), maxAgeSeconds: 26 * 3600, lastNightAt: ago(10 * H), servers: [{ name: 'web', maxAgeSeconds: 26 * 3600 }, { name: 'db', home: 'backup-1', maxAgeSeconds: 26 * 3600 }] },
      { name: 'backup-2', heartbeatAt: ago(30 * H), maxAgeSeconds: 26 * 3600, lastNightAt: ago(30 * H), servers: [{ name: 'mail', maxAgeSeconds: 26 * 3600 }] },
    ],
    nights: [
      { backupHost: 'backup-1', host: 'web', lastOkAt: ago(10 * H), lastStatus: 'ok' },
      { backupHost: 'backup-1', host: 'db', lastOkAt: ago(40 * H), lastStatus: 'failed' },
      { backupHost: 'backup-2', host: 'mail', lastOkAt: ago(30 * H), lastStatus: 'ok' },
    ],
    ...over,
  };
}

describe('fleet verdicts', () => {
  it('reds a silent backup host with its servers, and a stale server of a live one', () => {
    const v = judgeFleet(view());
    expect(v.backupHosts.map((b) => `${b.name}:${b.light}`)).toEqual(['backup-1:green', 'backup-2:red']);
    expect(v.backupHosts[1]!.reason).toMatch(/^backup host backup-2 not heard of for .*; unprotected: mail$/);
    expect(v.servers.map((s) => `${s.host}@${s.backupHost}:${s.light}`)).toEqual(['db@backup-1:red', 'mail@backup-2:red', 'web@backup-1:green']);
    const text = fleetText(v, 'postgres://u@h/db');
    expect(text).toMatch(/^web\s+backup-1\s+-\s+GREEN\s/m);
    expect(text).toMatch(/^db\s+backup-1\s+backup-1\s+RED\s/m);
    // The unprotected server: its table row, and named once in Attention, on its backup host's line.
    expect(text.match(/mail/g)).toHaveLength(2);
    expect(text).toMatch(/^  RED backup host backup-2 .*unprotected: mail$/m);
  });

  it('reds a backup host whose heartbeat is fresh but whose last night is too old', () => {
    const v = judgeFleet(view({ backupHosts: [{ name: 'b', heartbeatAt: ago(1000), maxAgeSeconds: 3600, lastNightAt: ago(2 * H), servers: [{ name: 's', maxAgeSeconds: 3600 }] }], nights: [] }));
    expect(v.backupHosts[0]!.light).toBe('red');
    expect(v.backupHosts[0]!.reason).toContain('missed its night');
  });
});
