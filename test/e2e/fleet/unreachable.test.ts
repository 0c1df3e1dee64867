// PostgreSQL away for a night: the night runs and is recorded locally (exit 0, one warning in the log),
// and the next command that reaches the fleet catalog pushes it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { runCli, startSshd } from '../../harness/index.js';
import { backupHostConfig, fleetCatalog, localCounts, pgCounts } from './fleet-setup.js';

describe('fleet catalog unreachable', () => {
  it('runs the night locally, then catches up when PostgreSQL is back', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    // Port 1 on loopback: nothing listens there, the connection is refused.
    const cfg = await backupHostConfig('backup-u', url.replace(':5432/', ':1/'), [{ name: 'upsilon', server }]);
    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    const logs = readdirSync(join(cfg.stateDir, 'logs')).map((f) => readFileSync(join(cfg.stateDir, 'logs', f), 'utf8')).join('');
    const warnings = logs.split('\n').filter((l) => l.includes('could not be reached') && l.includes('"level":40'));
    expect(warnings).toHaveLength(1);
    const local = localCounts(cfg.stateDir);
    expect(local.runs).toBe(1);

    // PostgreSQL "returns": the same catalog on its real port. The next command (status) catches up.
    const doc = parse(readFileSync(cfg.configPath, 'utf8')) as { catalog: { url: string } };
    doc.catalog.url = url;
    writeFileSync(cfg.configPath, stringify(doc));
    const status = await runCli(['--config', cfg.configPath, 'status']);
    expect(status.exitCode, status.stderr + status.stdout).toBe(0);
    expect(status.stdout).toMatch(/^upsilon\s+backup-u\s+-\s+GREEN\s/m);
    expect(await pgCounts(db, 'backup-u', Object.keys(local))).toEqual(localCounts(cfg.stateDir));
    await server.stop();
  });
});
