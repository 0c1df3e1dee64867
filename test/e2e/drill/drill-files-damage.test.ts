// A drill of a damaged repository: bytes of a segment file flipped fail the drill, naming the
// damage, and so does check --verify-data.
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type TestConfig } from '../../harness/index.js';
import { backedUpFiles, checkRow, drillRows, largestSegment } from './helpers.js';

describe('pullback drill (files) of a damaged repository', () => {
  let cfg: TestConfig;

  beforeAll(async () => {
    ({ cfg } = await backedUpFiles());
  });

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
