// A drill's work grows with the sample, not the archive: 2000 files archived, 5 sampled, exactly 5
// extracted. And the nightly job runs a drill when one is due (checks.drill), recording it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, nextSecond, runCli, startSshd, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { checkRow, drillJson, drillRows } from './helpers.js';

let cfg: TestConfig;

beforeAll(async () => {
  const server = await startSshd();
  const root = makeTempDir('drill-scale');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, 'many', `dir-${d}`), { recursive: true });
    for (let i = 0; i < 100; i++) writeFileSync(join(root, 'many', `dir-${d}`, `file-${i}.txt`), `dir ${d} file ${i}\n`);
  }
  cfg = await writeTestConfig({
    hosts: [{ name: 'big', server, sources: [{ name: 'many', kind: 'data', path: join(root, 'many') }] }],
    global: { checks: { drill: 'monthly' }, drill: { sample: 5 } },
  });
});

describe('pullback drill at scale and on cadence', () => {
  it('runs the due drill in the nightly job, records it, and skips it while not due', async () => {
    const first = await runCli(['--config', cfg.configPath, 'run']);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/big\s+OK\s.*drill/);
    const rows = drillRows(cfg.stateDir);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ host: 'big', status: 'ok', files_sampled: 5, matches: 5 });
    expect(rows[0]!.run_id).not.toBeNull();
    expect(checkRow(cfg.stateDir, cfg.repoPath('big'), 'drill')?.status).toBe('ok');

    await nextSecond(); // archive names have one-second resolution
    const second = await runCli(['--config', cfg.configPath, 'run']);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/drill/);
    expect(drillRows(cfg.stateDir)).toHaveLength(1);
  });

  it('extracts exactly the sampled files from a 2000-file archive', async () => {
    const { exitCode, report } = await drillJson(cfg.configPath, ['--sample', '5', '--archive', 'latest']);
    expect(exitCode, JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.counts).toEqual({ sampled: 5, matches: 5, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.extracted).toBe(5);
    expect(d.sampled.every((p) => /^many\/dir-\d+\/file-\d+\.txt$/.test(p))).toBe(true);

    const pct = await drillJson(cfg.configPath, ['--percent', '1']);
    expect(pct.exitCode).toBe(0);
    expect(pct.report.drills[0]!.extracted).toBe(20);
  });
});
