// The fleet catalog's first part: the PostgreSQL tables derived from the SQLite catalog's own schema,
// and a real night pushed into them (every table, every row), then kept up to date by later commands.
import { describe, expect, it } from 'vitest';
import { psql, queryCatalog, runCli, startSshd } from '../../harness/index.js';
import { backupHostConfig, fleetCatalog, localCounts, pgCounts } from './fleet-setup.js';

describe('fleet catalog sync', () => {
  it('derives every local table in PostgreSQL and pushes a real night, then only what changed', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    const cfg = await backupHostConfig('backup-a', url, [{ name: 'alpha', server }]);

    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);

    const local = localCounts(cfg.stateDir);
    expect(local.runs).toBeGreaterThan(0);
    expect(local.steps).toBeGreaterThan(0);
    expect(await pgCounts(db, 'backup-a', Object.keys(local))).toEqual(local);
    // The schema: local version recorded, a column per SQLite column plus backup_host, types mapped.
    const version = queryCatalog<{ user_version: number }>(cfg.stateDir, 'PRAGMA user_version')[0]!.user_version;
    expect((await psql(db, "SELECT local_version FROM pullback_schema WHERE backup_host = 'backup-a';")).trim()).toBe(String(version));
    const cols = (await psql(db, "SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_name = 'runs' ORDER BY column_name;")).split('\n');
    expect(cols).toEqual(expect.arrayContaining(['backup_host:text', 'id:bigint', 'kind:text', 'pid:bigint', 'started_at:text']));
    const localCols = queryCatalog<{ name: string }>(cfg.stateDir, 'PRAGMA table_info(runs)').map((c) => c.name);
    expect(cols.length).toBe(localCols.length + 1);
    // A table without an INTEGER PRIMARY KEY is keyed by its local rowid.
    expect((await psql(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'check_history' AND column_name = 'local_rowid';")).trim()).toBe('1');
    // Field by field: the run as recorded here is the run in PostgreSQL.
    const [localRun] = queryCatalog<{ id: number; status: string; ended_at: string }>(cfg.stateDir, "SELECT id, status, ended_at FROM runs WHERE kind = 'run' ORDER BY id DESC LIMIT 1");
    expect((await psql(db, `SELECT status, ended_at FROM runs WHERE backup_host = 'backup-a' AND id = ${localRun!.id};`)).trim()).toBe(`${localRun!.status}\t${localRun!.ended_at}`);

    // Nothing changed: sync pushes nothing. A second night: new rows and updated ones arrive.
    const sync = await runCli(['--config', cfg.configPath, 'catalog', 'sync']);
    expect(sync.exitCode, sync.stderr).toBe(0);
    expect(sync.stdout).toContain('nothing to push');
    const again = await runCli(['--config', cfg.configPath, 'run']);
    expect(again.exitCode, again.stderr + again.stdout).toBe(0);
    const local2 = localCounts(cfg.stateDir);
    expect(local2.runs).toBeGreaterThan(local.runs!);
    expect(await pgCounts(db, 'backup-a', Object.keys(local2))).toEqual(local2);
    const statuses = await psql(db, "SELECT count(*) FROM runs WHERE backup_host = 'backup-a' AND status = 'running';");
    expect(statuses.trim()).toBe('0');
    await server.stop();
  });
});
