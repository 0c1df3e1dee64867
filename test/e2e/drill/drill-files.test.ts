// Drills of a real backup: a healthy one passes and is recorded, the sample is reproducible, bad
// options are refused. (Origin changes: drill-files-origin; a damaged segment: drill-files-damage.)
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type TestConfig } from '../../harness/index.js';
import { backedUpFiles, checkRow, drillJson, drillRows } from './helpers.js';

describe('pullback drill (files)', () => {
  let cfg: TestConfig;

  beforeAll(async () => {
    ({ cfg } = await backedUpFiles());
  });

  it('passes on a healthy backup with the expected counts, and records it', async () => {
    const { exitCode, report, stderr } = await drillJson(cfg.configPath, ['--host', 'main', '--sample', '20']);
    expect(exitCode, stderr + JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.status).toBe('ok');
    expect(d.counts).toEqual({ sampled: 20, matches: 20, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.extracted).toBe(20);
    expect(d.bytes_restored).toBeGreaterThan(0);
    const rows = drillRows(cfg.stateDir);
    expect(rows.at(-1)).toMatchObject({ host: 'main', status: 'ok', files_sampled: 20, matches: 20, changed_since_backup: 0, archive: d.archive, seed: report.seed });
    expect(checkRow(cfg.stateDir, cfg.repoPath('main'), 'drill')?.status).toBe('ok');

    const text = await runCli(['--config', cfg.configPath, 'drill', '--sample', '3']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/HOST\s+STATUS\s+ARCHIVE\s+SAMPLED/);
    expect(text.stdout).toMatch(/main\s+OK\s+main-\d{8}T\d{6}Z\s+3\s+3/);
  });

  it('samples the same files for the same seed, others for another', async () => {
    const a = await drillJson(cfg.configPath, ['--sample', '5', '--seed', 'alpha']);
    const b = await drillJson(cfg.configPath, ['--sample', '5', '--seed', 'alpha']);
    const c = await drillJson(cfg.configPath, ['--sample', '5', '--seed', 'beta']);
    expect(a.exitCode).toBe(0);
    expect(a.report.drills[0]!.sampled).toHaveLength(5);
    expect(b.report.drills[0]!.sampled).toEqual(a.report.drills[0]!.sampled);
    expect(c.report.drills[0]!.sampled).not.toEqual(a.report.drills[0]!.sampled);
    expect(JSON.parse(String(drillRows(cfg.stateDir).at(-2)!.sampled))).toEqual(a.report.drills[0]!.sampled);
  });

  it('rejects bad options with exit 2', async () => {
    for (const args of [['--sample', '0'], ['--sample', '3', '--percent', '5'], ['--percent', '200'], ['--host', 'nope']]) {
      const r = await runCli(['--config', cfg.configPath, 'drill', ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
    }
    const missing = await drillJson(cfg.configPath, ['--archive', 'main-20000101T000000Z']);
    expect(missing.exitCode).toBe(1);
    expect(missing.report.drills[0]!.error).toMatch(/no archive named .* the newest nightly archives of /);
  });
});
