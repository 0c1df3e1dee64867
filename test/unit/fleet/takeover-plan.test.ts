// The takeover's plan, pure: refusals for a fresh heartbeat and each live lease, and each server with
// its repository here or why it cannot be adopted (not listed here).
import { describe, expect, it } from 'vitest';
import { planTakeover } from '../../../src/fleet/takeover-plan.js';
import type { Config } from '../../../src/config/types.js';

const config = {
  global: { backupHost: 'backup-1', repository: { pathTemplate: 'ssh://borg@storage/srv/borg/{host}' } },
  hosts: [{ name: 'srv-09' }, { name: 'srv-10' }],
} as unknown as Config;

describe('planTakeover', () => {
  it('refuses a fresh heartbeat and names every live lease', () => {
    const plan = planTakeover(
      { name: 'backup-3', heartbeatAgeSeconds: 180, maxAgeSeconds: 93600, servers: ['srv-09'], liveLeases: [{ mainServer: 'srv-09', expiresAt: new Date('2026-12-08T02:11:55Z') }] },
      config,
    );
    expect(plan.refusals).toEqual([
      'backup host backup-3 is alive: its last heartbeat is 3m00s old, within its max_age of 26h00m; a takeover is for a backup host that stopped (pullback status shows it red)',
      'backup host backup-3 still holds the lease on srv-09 until 2026-12-08T02:11:55.000Z: it may be backing it up; take over once it has expired',
    ]);
  });

  it('plans each server with its repository here, or why not', () => {
    const plan = planTakeover({ name: 'backup-3', heartbeatAgeSeconds: 200_000, maxAgeSeconds: 93600, servers: ['srv-09', 'srv-10', 'srv-11'], liveLeases: [] }, config);
    expect(plan.refusals).toEqual([]);
    expect(plan.from).toBe('backup-3');
    expect(plan.to).toBe('backup-1');
    expect(plan.servers).toEqual([
      { name: 'srv-09', repository: 'ssh://borg@storage/srv/borg/srv-09' },
      { name: 'srv-10', repository: 'ssh://borg@storage/srv/borg/srv-10' },
      { name: 'srv-11', problem: "not in backup-1's hosts_dir: add its host file (the same as on backup-3, with the repository backup-1 reaches) first" },
    ]);
  });
});
