// pullback fleet takeover: two backup hosts (two state directories) and repositories on one shared
// path (the storage server's place: both reach it, the lease and the recorded home decide who writes).
// A server whose home is the other backup host is not run; the takeover is refused while the old
// backup host's heartbeat is fresh, while a lease of it is alive, and while a server of it is not in
// this backup host's hosts_dir or its repository does not answer here (each named); then the plan
// shows each repository read here, and after
// --yes the next night here backs the servers up into the same repositories, and the old backup host,
// come back, skips them.
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { borgList, makeTempDir, psql, runCli, startSshd, writeTestConfig } from '../../harness/index.js';
import { fleetCatalog, mainServerFiles } from './fleet-setup.js';

describe('pullback fleet takeover', () => {
  it('refuses a live backup host or lease, shows the plan, and moves the servers home to this backup host', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    const shared = makeTempDir('fleet-storage-');
    const passphrase = join(shared, 'passphrase');
    writeFileSync(passphrase, 'one passphrase for the shared repositories\n', { mode: 0o600 });
    const repository = { path: join(shared, '{host}'), passphrase_file: passphrase };
    const host = (name: string) => ({ name, server, sources: [{ name: 'data', kind: 'data', path: mainServerFiles(name) }], override: { backup_host: 'backup-old' } });
    const global = (name: string) => ({ backup_host: name, catalog: { url }, repository, checks: { repository: 'never', archives: 'never' } });
    const old = await writeTestConfig({ hosts: [host('gamma'), host('epsilon')], global: global('backup-old') });
    const adopter = await writeTestConfig({ hosts: [host('gamma')], global: global('backup-new') });
    try {
      const first = await runCli(['--config', old.configPath, 'run']);
      expect(first.exitCode, first.stderr + first.stdout).toBe(0);
      expect(await borgList(join(shared, 'gamma'), passphrase)).toHaveLength(1);

      // Its home is backup-old: backup-new, which lists it too, does not run it.
      const notHome = await runCli(['--config', adopter.configPath, 'run', '--verbose']);
      expect(notHome.exitCode, notHome.stderr + notHome.stdout).toBe(0);
      expect(notHome.stdout).toContain("gamma's home is backup host backup-old: not run here");

      const alive = await runCli(['--config', adopter.configPath, 'fleet', 'takeover', 'backup-old', '--yes']);
      expect(alive.exitCode).toBe(1);
      expect(alive.stderr).toContain('backup host backup-old is alive: its last heartbeat is');

      // Two days without a heartbeat, but a lease of it still alive.
      await psql(db, "UPDATE backup_hosts SET heartbeat_at = now() - interval '2 days' WHERE name = 'backup-old';");
      await psql(db, "INSERT INTO leases VALUES ('gamma', 'backup-old', nextval('lease_tokens'), now(), now() + interval '10 minutes');");
      const leased = await runCli(['--config', adopter.configPath, 'fleet', 'takeover', 'backup-old', '--yes']);
      expect(leased.exitCode).toBe(1);
      expect(leased.stderr).toMatch(/backup host backup-old still holds the lease on gamma until \d{4}-/);
      expect(leased.stderr).not.toContain('is alive');

      await psql(db, "UPDATE leases SET expires_at = now() - interval '1 second' WHERE main_server = 'gamma';");
      const missing = await runCli(['--config', adopter.configPath, 'fleet', 'takeover', 'backup-old', '--yes']);
      expect(missing.exitCode, missing.stderr + missing.stdout).toBe(1);
      expect(missing.stdout).toMatch(/^epsilon\s+-\s+NO: not in backup-new's hosts_dir/m);
      expect(missing.stderr).toContain('refusing to take over backup-old: epsilon cannot be backed up from backup-new');

      copyFileSync(join(old.hostsDir, 'epsilon.yaml'), join(adopter.hostsDir, 'epsilon.yaml'));
      // epsilon's repository away (the storage server unreachable): the plan says so, nothing is recorded.
      renameSync(join(shared, 'epsilon'), join(shared, 'epsilon.away'));
      const unreachable = await runCli(['--config', adopter.configPath, 'fleet', 'takeover', 'backup-old', '--yes']);
      expect(unreachable.exitCode, unreachable.stderr + unreachable.stdout).toBe(1);
      expect(unreachable.stdout).toMatch(new RegExp(`^epsilon\\s+${join(shared, 'epsilon')}\\s+NO: no repository at ${join(shared, 'epsilon')} here`, 'm'));
      expect(unreachable.stdout).toMatch(/^gamma\s+\S+\s+yes \(1 archive\)/m);
      renameSync(join(shared, 'epsilon.away'), join(shared, 'epsilon'));
      const unconfirmed = await runCli(['--config', adopter.configPath, 'fleet', 'takeover', 'backup-old']);
      expect(unconfirmed.exitCode).toBe(2);
      expect(unconfirmed.stderr).toContain('pass --yes (pullback fleet takeover backup-old --yes)');
      // Nothing recorded by the refusals (server_homes is made by the first takeover).
      expect((await psql(db, "SELECT to_regclass('server_homes') IS NULL;")).trim()).toBe('t');

      const taken = await runCli(['--config', adopter.configPath, 'fleet', 'takeover', 'backup-old', '--yes']);
      expect(taken.exitCode, taken.stderr + taken.stdout).toBe(0);
      expect(taken.stdout).toMatch(new RegExp(`^gamma\\s+${join(shared, 'gamma')}\\s+yes \\(1 archive\\)`, 'm'));
      expect(taken.stdout).toMatch(new RegExp(`^epsilon\\s+${join(shared, 'epsilon')}\\s+yes \\(1 archive\\)`, 'm'));
      expect(taken.stdout).toContain('backup-new is now the home of epsilon, gamma');
      expect((await psql(db, 'SELECT main_server, backup_host, taken_over_from FROM server_homes ORDER BY 1;')).trim()).toBe('epsilon\tbackup-new\tbackup-old\ngamma\tbackup-new\tbackup-old');

      // The next night here backs them up, into the same repositories.
      const night = await runCli(['--config', adopter.configPath, 'run', '--verbose']);
      expect(night.exitCode, night.stderr + night.stdout).toBe(0);
      expect(night.stdout).toMatch(/^gamma\s+OK\s/m);
      expect(night.stdout).toMatch(/^epsilon\s+OK\s/m);
      expect(await borgList(join(shared, 'gamma'), passphrase)).toHaveLength(2);

      // backup-old comes back: it skips them, naming their new home.
      const back = await runCli(['--config', old.configPath, 'run', '--verbose']);
      expect(back.exitCode, back.stderr + back.stdout).toBe(0);
      expect(back.stdout).toContain("gamma's home is backup host backup-new (the fleet catalog records a takeover): not run here");
      expect(await borgList(join(shared, 'gamma'), passphrase)).toHaveLength(2);

      // The fleet: the servers under backup-new only.
      const status = await runCli(['--config', adopter.configPath, 'status']);
      expect(status.stdout).toMatch(/^gamma\s+backup-new\s+backup-new\s+GREEN\s/m);
      expect(status.stdout).not.toMatch(/^gamma\s+backup-old\s/m);
    } finally {
      await server.stop();
    }
  });
});
