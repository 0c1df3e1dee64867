// `pullback catalog migrate`: a real SQLite catalog (two nights, no fleet configured) carried into a
// PostgreSQL catalog with every row, proven by counts and sampled rows, the password never shown.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSecond, runCli, startSshd } from '../../harness/index.js';
import { backupHostConfig, fleetCatalog, localCounts, pgCounts } from './fleet-setup.js';

describe('pullback catalog migrate', () => {
  it('carries every row of a real catalog across and prints the proof', async () => {
    const server = await startSshd();
    const { db, url } = await fleetCatalog();
    const cfg = await backupHostConfig('backup-m', undefined, [{ name: 'mu', server }]);
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['--config', cfg.configPath, 'run']);
      expect(run.exitCode, run.stderr + run.stdout).toBe(0);
      await nextSecond();
    }
    const passwordFile = join(cfg.dir, 'catalog-password');
    const password = 'not-in-any-log-7c1e';
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });

    const m = await runCli(['--config', cfg.configPath, 'catalog', 'migrate', '--to', url, '--password-file', passwordFile]);
    expect(m.exitCode, m.stderr + m.stdout).toBe(0);
    const local = localCounts(cfg.stateDir);
    expect(await pgCounts(db, 'backup-m', Object.keys(local))).toEqual(local);
    // One line per table, each OK with the same counts; the sample of the steps table is the full 7.
    for (const [t, n] of Object.entries(local)) expect(m.stdout).toMatch(new RegExp(`^${t}\\s+${n}\\s+${n}\\s+\\d+\\s+OK$`, 'm'));
    expect(m.stdout).toMatch(/^steps\s+\d+\s+\d+\s+7\s+OK$/m);
    expect(m.stdout).not.toContain(password);
    for (const f of readdirSync(join(cfg.stateDir, 'logs'))) expect(readFileSync(join(cfg.stateDir, 'logs', f), 'utf8')).not.toContain(password);

    // A URL carrying a password is refused (exit 2), naming neither the password nor going on.
    const bad = await runCli(['--config', cfg.configPath, 'catalog', 'migrate', '--to', url.replace('postgres@', 'postgres:secret@')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).not.toContain('secret');
    await server.stop();
  });
});
