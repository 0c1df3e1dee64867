// Leases on main servers in the fleet catalog: two backup hosts racing for one server get one lease
// (one token) and one refusal naming the holder; a write carrying an expired or superseded token is
// refused; a night skips a server leased elsewhere; without PostgreSQL only home servers run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { openFleetDb } from '../../../src/catalog/fleet/connect.js';
import { acquireLease, fencedWrite, LeaseLostError, releaseLease, renewLease } from '../../../src/catalog/fleet/leases.js';
import { ensureFleetSchema } from '../../../src/catalog/fleet/pg-schema.js';
import { localSchemaVersion, readCatalogSchema } from '../../../src/catalog/fleet/sqlite-schema.js';
import { makeTempDir, psql, runCli, startSshd } from '../../harness/index.js';
import { backupHostConfig, fleetCatalog } from './fleet-setup.js';

describe('leases', () => {
  it('gives one of two racing backup hosts the lease and refuses the other, naming the holder; fences stale tokens', async () => {
    const { db, url } = await fleetCatalog();
    const local = Catalog.open(makeTempDir('fleet-lease-'));
    const a = await openFleetDb({ url });
    const b = await openFleetDb({ url });
    try {
      await ensureFleetSchema(a, readCatalogSchema(local.db), localSchemaVersion(local.db), 'backup-a');
      const [ra, rb] = await Promise.all([acquireLease(a, 'srv', 'backup-a', 600), acquireLease(b, 'srv', 'backup-b', 600)]);
      const won = [ra, rb].filter((r) => r.ok);
      const lost = [ra, rb].filter((r) => !r.ok);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = won[0]!.ok ? won[0]!.lease : undefined;
      const loser = lost[0]!.ok ? undefined : lost[0]!;
      expect(loser!.holder).toBe(winner!.holder);
      expect(loser!.message).toContain(`leased to backup host ${winner!.holder} until ${loser!.expiresAt.toISOString()}`);
      expect(Number((await psql(db, "SELECT count(*) FROM leases WHERE main_server = 'srv';")).trim())).toBe(1);

      // The holder writes under its token; once expired, the same write is refused and renewal fails.
      const k = winner!.holder === 'backup-a' ? a : b;
      const other = winner!.holder === 'backup-a' ? b : a;
      const otherName = winner!.holder === 'backup-a' ? 'backup-b' : 'backup-a';
      expect(await fencedWrite(k, 'srv', winner!.token, async () => 'written')).toBe('written');
      expect(await renewLease(k, 'srv', winner!.token, 600)).toBe(true);
      await psql(db, "UPDATE leases SET expires_at = now() - interval '1 second' WHERE main_server = 'srv';");
      await expect(fencedWrite(k, 'srv', winner!.token, async () => 'written')).rejects.toBeInstanceOf(LeaseLostError);
      expect(await renewLease(k, 'srv', winner!.token, 600)).toBe(false);
      // The other backup host takes the expired lease with a larger token; the old token can neither write nor release it.
      const taken = await acquireLease(other, 'srv', otherName, 600);
      expect(taken.ok).toBe(true);
      const newToken = taken.ok ? taken.lease.token : '0';
      expect(BigInt(newToken)).toBeGreaterThan(BigInt(winner!.token));
      await expect(fencedWrite(k, 'srv', winner!.token, async () => 'written')).rejects.toBeInstanceOf(LeaseLostError);
      await releaseLease(k, 'srv', winner!.token);
      expect((await psql(db, "SELECT holder FROM leases WHERE main_server = 'srv';")).trim()).toBe(otherName);
    } finally {
      await a.destroy();
      await b.destroy();
      local.close();
    }
  });

  it('skips a server leased to another backup host, runs it once the lease is gone, and keeps to home servers without PostgreSQL', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    const cfg = await backupHostConfig('backup-a', url, [{ name: 'shared', server }]);
    const sync = await runCli(['--config', cfg.configPath, 'catalog', 'sync']);
    expect(sync.exitCode, sync.stderr + sync.stdout).toBe(0);
    await psql(db, "INSERT INTO leases (main_server, holder, token, acquired_at, expires_at) VALUES ('shared', 'backup-b', nextval('lease_tokens'), now(), now() + interval '1 hour');");

    const refused = await runCli(['--config', cfg.configPath, 'run', '--verbose']);
    expect(refused.exitCode, refused.stderr + refused.stdout).toBe(0);
    expect(refused.stdout).toMatch(/^shared\s+SKIPPED\s/m);
    expect(refused.stdout).toMatch(/shared: shared is leased to backup host backup-b until \d{4}-\d\d-\d\dT[\d:.]+Z/);

    await psql(db, "DELETE FROM leases WHERE main_server = 'shared';");
    const ran = await runCli(['--config', cfg.configPath, 'run', '--verbose']);
    expect(ran.exitCode, ran.stderr + ran.stdout).toBe(0);
    expect(ran.stdout).toMatch(/^shared\s+OK\s/m);
    // Released at the end of the night.
    expect((await psql(db, 'SELECT count(*) FROM leases;')).trim()).toBe('0');

    // PostgreSQL unreachable: a server whose home is another backup host is skipped, a home one runs.
    const away = await backupHostConfig('backup-a', url.replace(':5432/', ':1/'), [{ name: 'home', server, home: 'backup-a' }, { name: 'elsewhere', server, home: 'backup-z' }]);
    const night = await runCli(['--config', away.configPath, 'run', '--verbose']);
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);
    expect(night.stdout).toMatch(/^home\s+OK\s/m);
    expect(night.stdout).toMatch(/^elsewhere\s+SKIPPED\s/m);
    expect(night.stdout).toContain("elsewhere's home is backup host backup-z");
    await server.stop();
  });
});
