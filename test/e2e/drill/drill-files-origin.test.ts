// Drills of a real backup after the origin changed: files changed or deleted since the backup are
// "changed", not failures, but many files gone from the origin warn (drill.max_missing).
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type TestConfig } from '../../harness/index.js';
import { backedUpFiles, drillJson, drillRows } from './helpers.js';

describe('pullback drill (files) after the origin changed', () => {
  let cfg: TestConfig;
  let src: { blobs: string; data: string };

  beforeAll(async () => {
    ({ cfg, src } = await backedUpFiles());
  });

  it('reports files changed or deleted on the origin after the backup as changed, not mismatches', async () => {
    appendFileSync(join(src.data, 'many', 'file-3.txt'), 'changed after the backup\n');
    rmSync(join(src.data, 'many', 'file-4.txt'));
    const { exitCode, report } = await drillJson(cfg.configPath, ['--percent', '100', '--archive', 'latest']);
    expect(exitCode, JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.counts.mismatches).toBe(0);
    expect(d.changed.map((c) => c.path).sort()).toEqual(['data/many/file-3.txt', 'data/many/file-4.txt']);
    expect(d.counts.matches).toBe(d.counts.sampled - 2);
    expect(drillRows(cfg.stateDir).at(-1)!.changed_since_backup).toBe(2);
  });

  it('counts the files gone from the origin and warns when they pass drill.max_missing of the sample', async () => {
    for (let i = 5; i < 30; i++) rmSync(join(src.data, 'many', `file-${i}.txt`));
    const { exitCode, report } = await drillJson(cfg.configPath, ['--percent', '100', '--archive', 'latest']);
    expect(exitCode, JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.status).toBe('warning');
    expect(d.counts.mismatches).toBe(0);
    const warning = d.warnings.find((w) => w.includes('no longer on the origin'));
    expect(warning).toMatch(new RegExp(`^26 of ${d.counts.sampled} sampled file\\(s\\) are no longer on the origin, first 10: .*; and 16 more \\(more than 10% of the sample, drill\\.max_missing\\)$`));
    expect(drillRows(cfg.stateDir).at(-1)!.status).toBe('warning');

    const text = await runCli(['--config', cfg.configPath, 'drill', '--percent', '100', '--archive', 'latest']);
    expect(text.stdout).toMatch(/main\s+WARNING\s/);
    expect(text.stdout).toContain(`warning: 26 of ${d.counts.sampled} sampled file(s) are no longer on the origin`);
  });
});
