// Whether a restore extracts everything it pushes ahead (one borg extract, before the checklist's
// verdict) or each source at its step: only when the backup host's disk holds them and the snapshot at once.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageAheadRefusal, stagingDir } from '../../../src/restore/staging.js';
import type { RestorePlan } from '../../../src/restore/plan.js';

const GiB = 1024 ** 3;
const plan = (steps: Array<{ mode: 'files' | 'databases'; bytes: number }>) => ({ steps }) as unknown as RestorePlan;

describe('stageAheadRefusal', () => {
  it('stages ahead, dumps included, when the staged sources and the snapshot fit, with a reserve', () => {
    expect(stageAheadRefusal(plan([{ mode: 'files', bytes: GiB }, { mode: 'databases', bytes: GiB / 2 }]), 5 * GiB)).toBeUndefined();
    expect(stageAheadRefusal(plan([{ mode: 'files', bytes: GiB }, { mode: 'databases', bytes: 50 * GiB }]), 4 * GiB)).toMatch(/needed to stage every source/);
  });

  it('extracts each source at its step when the disk would not hold them, when free space is unknown, or when there is nothing to restore', () => {
    expect(stageAheadRefusal(plan([{ mode: 'files', bytes: 10 * GiB }, { mode: 'files', bytes: 10 * GiB }]), 40 * GiB)).toMatch(/needed to stage every source beside the snapshot/);
    expect(stageAheadRefusal(plan([{ mode: 'files', bytes: 1 }]), undefined)).toBe('free space unknown');
    expect(stageAheadRefusal(plan([]), 100 * GiB)).toBe('nothing to restore');
    expect(stageAheadRefusal(plan([{ mode: 'databases', bytes: 1 }]), 100 * GiB)).toBeUndefined();
  });
});

describe('stagingDir', () => {
  it("is this process's folder, and removes those a killed restore left behind (not a live process's)", () => {
    const parent = mkdtempSync(join(tmpdir(), 'pb-staging-'));
    const dead = spawnSync('true').pid!;
    for (const pid of [dead, process.ppid]) mkdirSync(join(parent, `stage-${pid}`, 'data'), { recursive: true });
    mkdirSync(join(parent, '7'));
    expect(stagingDir(parent)).toBe(join(parent, `stage-${process.pid}`));
    expect(readdirSync(parent).sort()).toEqual(['7', `stage-${process.ppid}`].sort());
  });
});
