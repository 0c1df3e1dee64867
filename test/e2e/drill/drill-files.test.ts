// Drills of a real backup: a healthy one passes, the sample is reproducible, origin changes are
// "changed" not failures (but many files gone from the origin warn), and a damaged segment fails
// the drill (and check --verify-data).
import { appendFileSync, closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, startSshd, writeNastyTree, writeTestConfig, type TestConfig } from '../../harness/index.js';
import { checkRow, drillJson, drillRows, largestSegment } from './helpers.js';

describe('pullback drill (files)', () => {
  let cfg: TestConfig;
  let src: { blobs: string; data: string };

  beforeAll(async () => {
    const server = await startSshd();
    const root = makeTempDir('drill-origin-');
    src = { blobs: join(root, 'blobs'), data: join(root, 'data') };
    writeNastyTree(src.blobs, { bigFileBytes: 2 * 1024 * 1024 });
    mkdirSync(join(src.data, 'many'), { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(join(src.data, 'many', `file-${i}.txt`), `file ${i}\n`.repeat(i + 1));
    cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'blobs', kind: 'blobs', path: src.blobs }, { name: 'data', kind: 'data', path: src.data }] }],
    });
    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  });

  it('passes on a healthy backup with the expected counts, and records it', async () => {
    const { exitCode, report, stderr } = await drillJson(cfg.configPath, ['--host', 'main', '--sample', '20']);
    expect(exitCode, stderr + JSON.stringify(report, null, 2)).toBe(0);
    const d = report.drills[0]!;
    expect(d.status).toBe('ok');
    expect(d.counts).toEqual({ sampled: 20, matches: 20, mismatches: 0, changed: 0, unverified: 0 });
    expect(d.extracted).toBe(20);
    expect(d.bytesRestored).toBeGreaterThan(0);
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

  it('rejects bad options with exit 2', async () => {
    for (const args of [['--sample', '0'], ['--sample', '3', '--percent', '5'], ['--percent', '200'], ['--host', 'nope']]) {
      const r = await runCli(['--config', cfg.configPath, 'drill', ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
    }
    const missing = await drillJson(cfg.configPath, ['--archive', 'main-20000101T000000Z']);
    expect(missing.exitCode).toBe(1);
    expect(missing.report.drills[0]!.error).toMatch(/no archive named .* the newest nightly archives of /);
  });

  // Last: it damages the repository.
  it('fails naming the damage after bytes of a segment file are flipped; so does check --verify-data', async () => {
    const segment = largestSegment(cfg.repoPath('main'));
    const size = statSync(segment).size;
    const fd = openSync(segment, 'r+');
    const buf = Buffer.alloc(64);
    const at = Math.floor(size / 2);
    readSync(fd, buf, 0, buf.length, at);
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, buf.length, at);
    closeSync(fd);

    const drill = await runCli(['--config', cfg.configPath, 'drill', '--percent', '100', '--archive', 'latest']);
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(1);
    expect(drill.stdout).toMatch(/FAILED/);
    expect(drill.stdout).toMatch(/segment \d+/i);
    const rows = drillRows(cfg.stateDir);
    expect(rows.at(-1)!.status).toBe('failed');
    expect(checkRow(cfg.stateDir, cfg.repoPath('main'), 'drill')?.status).toBe('failed');

    const check = await runCli(['--config', cfg.configPath, 'check', '--verify-data']);
    expect(check.exitCode, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toMatch(/FAILED.*segment \d+/i);
  });
});
