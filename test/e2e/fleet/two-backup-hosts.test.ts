// Two backup hosts (two state directories and configs) sharing one PostgreSQL catalog: status on
// either lists every main server of both with its backup host; a backup host whose heartbeat is older
// than its servers' max_age is red, with its servers named as unprotected.
import { describe, expect, it } from 'vitest';
import { psql, runCli, startSshd } from '../../harness/index.js';
import { schemaProblems } from '../../harness/json-schemas.js';
import { backupHostConfig, fleetCatalog } from './fleet-setup.js';

describe('a fleet of two backup hosts', () => {
  it('shows both backup hosts\' servers on either, and a silent backup host red with its servers', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    const a = await backupHostConfig('backup-a', url, [{ name: 'alpha', server, home: 'backup-a' }, { name: 'beta', server }]);
    const b = await backupHostConfig('backup-b', url, [{ name: 'gamma', server }]);
    for (const cfg of [a, b]) {
      const run = await runCli(['--config', cfg.configPath, 'run']);
      expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    }
    for (const cfg of [a, b]) {
      const status = await runCli(['--config', cfg.configPath, 'status']);
      expect(status.exitCode, status.stderr + status.stdout).toBe(0);
      expect(status.stdout).toMatch(/^HOST\s+BACKUP HOST\s+HOME\s+BACKUP/m);
      expect(status.stdout).toMatch(/^alpha\s+backup-a\s+backup-a\s+GREEN\s/m);
      expect(status.stdout).toMatch(/^beta\s+backup-a\s+-\s+GREEN\s/m);
      expect(status.stdout).toMatch(/^gamma\s+backup-b\s+-\s+GREEN\s/m);
      expect(status.stdout).toMatch(/^backup-a\s+GREEN\s/m);
      expect(status.stdout).toMatch(/^backup-b\s+GREEN\s/m);
    }
    const json = await runCli(['--config', b.configPath, 'status', '--json']);
    const doc = JSON.parse(json.stdout) as { fleet: { servers: Array<{ host: string; backup_host: string; status: string }> } };
    expect(doc.fleet.servers.map((s) => `${s.host}@${s.backup_host}:${s.status}`)).toEqual(['alpha@backup-a:green', 'beta@backup-a:green', 'gamma@backup-b:green']);
    expect(schemaProblems('status', doc)).toEqual([]);
    // The morning report ends with the same fleet, as text and as JSON.
    const report = await runCli(['--config', b.configPath, 'report']);
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^alpha\s+backup-a\s+backup-a\s+GREEN\s/m);
    const reportJson = await runCli(['--config', a.configPath, 'report', '--format', 'json']);
    const rdoc = JSON.parse(reportJson.stdout) as { fleet: { servers: unknown[] } };
    expect(rdoc.fleet.servers).toHaveLength(3);
    expect(schemaProblems('report', rdoc)).toEqual([]);

    // backup-b goes silent: its heartbeat and its last night put back two days (its max_age is 26h).
    await psql(db, "UPDATE backup_hosts SET heartbeat_at = heartbeat_at - interval '2 days' WHERE name = 'backup-b';");
    await psql(db, "UPDATE runs SET ended_at = to_char((ended_at::timestamptz - interval '2 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') WHERE backup_host = 'backup-b';");
    const seen = await runCli(['--config', a.configPath, 'status']);
    expect(seen.exitCode, seen.stderr + seen.stdout).toBe(1);
    expect(seen.stdout).toMatch(/^gamma\s+backup-b\s+-\s+RED\s/m);
    expect(seen.stdout).toMatch(/^alpha\s+backup-a\s+backup-a\s+GREEN\s/m);
    expect(seen.stdout).toMatch(/^backup-b\s+RED\s/m);
    expect(seen.stdout).toMatch(/RED backup host backup-b not heard of for .*; unprotected: gamma$/m);
    await server.stop();
  });
});
