// A backup host killed in the middle of a night: its lease on the main server outlives it, so a second
// backup host that also lists the server refuses to start it (naming the holder and the expiry) until
// the lease has expired; then it takes the server over. The server here never answers SSH (a silent
// TCP listener), so the first night is reliably in its connect step when it is killed.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI_PATH, freePort, psql, queryCatalog, runCli, startSshd, writeTestConfig } from '../../harness/index.js';
import { fleetCatalog } from './fleet-setup.js';

const ADDRESS = '127.0.0.94';

/** Polls `probe` until it is true; throws naming `what` after a generous bound (a loaded machine). */
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never saw ${what}`);
}

describe('a backup host killed mid-night', () => {
  it('keeps its server leased: the other backup host refuses it naming the holder, then takes it once the lease expired', async () => {
    const sockets = new Set<Socket>();
    const listener = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    const port = await freePort(ADDRESS);
    await new Promise<void>((r) => listener.listen(port, ADDRESS, r));
    const good = await startSshd();
    const { db, url } = await fleetCatalog();
    const server = { address: ADDRESS, port, user: good.user };
    const host = (connectTimeout: string, name: string) =>
      writeTestConfig({
        global: { backup_host: name, catalog: { url }, ssh: { connect_timeout: connectTimeout }, rsync: { attempts: 1, timeout: '10s' }, checks: { repository: 'never', archives: 'never' } },
        hosts: [{ name: 'stuck', server, sources: [{ name: 'data', kind: 'data', path: '/srv/data' }] }],
      });
    const a = await host('300s', 'backup-a');
    const b = await host('2s', 'backup-b');
    try {
      const night = execa(process.execPath, [CLI_PATH, '--config', a.configPath, 'run'], { reject: false, detached: true, env: { NO_COLOR: '1' } });
      await until("backup-a's lease on stuck", async () => (await psql(db, "SELECT holder FROM leases WHERE main_server = 'stuck';").catch(() => '')).trim() === 'backup-a');
      process.kill(-night.pid!, 'SIGKILL');
      await night;
      const expires = (await psql(db, "SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM leases WHERE main_server = 'stuck';")).trim();

      const refused = await runCli(['--config', b.configPath, 'run', '--verbose']);
      expect(refused.exitCode, refused.stderr + refused.stdout).toBe(0);
      expect(refused.stdout).toMatch(/^stuck\s+SKIPPED\s/m);
      expect(refused.stdout).toContain(`stuck is leased to backup host backup-a until ${expires}`);
      // No second night of the server started: backup-b recorded only the refusal, and no step.
      expect(queryCatalog<{ status: string }>(b.stateDir, "SELECT status FROM host_results WHERE host = 'stuck'").map((r) => r.status)).toEqual(['skipped']);
      expect(queryCatalog<{ n: number }>(b.stateDir, "SELECT count(*) AS n FROM steps WHERE host = 'stuck'")[0]!.n).toBe(0);

      // Ten minutes later (the lease's expiry moved into the past): backup-b takes the server over.
      await psql(db, "UPDATE leases SET expires_at = now() - interval '1 second' WHERE main_server = 'stuck';");
      const taken = await runCli(['--config', b.configPath, 'run', '--verbose']);
      expect(taken.stdout).not.toMatch(/^stuck\s+SKIPPED\s/m);
      expect(queryCatalog<{ n: number }>(b.stateDir, "SELECT count(*) AS n FROM steps WHERE host = 'stuck'")[0]!.n).toBeGreaterThan(0);
      expect((await psql(db, "SELECT count(*) FROM leases WHERE main_server = 'stuck';")).trim()).toBe('0');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => listener.close(r));
      await good.stop();
    }
  });
});
