// The daemon's heartbeat in the fleet catalog: written when it starts (then every minute), so a
// backup host whose daemon runs is heard of between its nights; SIGTERM still stops it cleanly.
import { readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, psql, startSshd } from '../../harness/index.js';
import { backupHostConfig, fleetCatalog } from './fleet-setup.js';

describe('the daemon and the fleet catalog', () => {
  it('records its backup host\'s heartbeat and servers without any job having run', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    const cfg = await backupHostConfig('backup-d', url, [{ name: 'delta', server }]);
    // A schedule whose only job is far away: nothing runs while the test waits.
    writeFileSync(cfg.configPath, `${readFileSync(cfg.configPath, 'utf8')}schedule:\n  timezone: UTC\n  report: "0 0 1 1 *"\n`);
    const daemon = execa(process.execPath, [CLI_PATH, '--config', cfg.configPath, 'daemon'], { reject: false, stdin: 'ignore', timeout: 120_000, all: true });
    try {
      let seen = '';
      for (let i = 0; i < 600 && seen === ''; i++) {
        seen = (await psql(db, "SELECT servers::text FROM backup_hosts WHERE name = 'backup-d';").catch(() => '')).trim();
        if (seen === '') await new Promise((r) => setTimeout(r, 100));
      }
      expect(JSON.parse(seen)).toEqual([{ name: 'delta', maxAgeSeconds: 26 * 3600 }]);
      expect((await psql(db, "SELECT count(*) FROM runs WHERE backup_host = 'backup-d';")).trim()).toBe('0');
      expect((await psql(db, "SELECT version FROM backup_hosts WHERE name = 'backup-d';")).trim()).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      daemon.kill('SIGTERM');
      const r = await daemon;
      expect(r.exitCode, r.all).toBe(0);
      await server.stop();
    }
  });
});
